/** Connection failures from KafkaJS or pg, which a command reports as UNAVAILABLE rather than a crash. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code !== undefined && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code)) return true;
  return (
    /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSNonRetriableError|Connection terminated/i.test(
      `${error.name} ${error.message}`,
    ) && /connect|Connection|retries/i.test(`${error.name} ${error.message}`)
  );
}
