// Why a usage report or a quote cannot be priced. Adapters map these to status codes or to a
// dead letter; the domain only names the reason.

export type MeteringErrorCode = 'NO_RATE_CARD_IN_EFFECT' | 'RATE_NOT_FOUND' | 'INVALID_USAGE' | 'AMOUNT_OUT_OF_RANGE';

export class MeteringError extends Error {
  override readonly name = 'MeteringError';

  constructor(
    readonly code: MeteringErrorCode,
    message: string,
  ) {
    super(message);
  }
}
