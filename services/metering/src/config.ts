// The metering service's configuration, read once from the environment (docs/metering.md).
import { ConfigurationError, grpcUrlFromEnv, serviceEnvironment, type EventServiceConfig } from '@switchyard/service-host';
import { defaultRateCardsPath } from './rate-card/index.js';

export { ConfigurationError };

export interface MeteringConfig extends EventServiceConfig {
  readonly consumerGroup: string;
  readonly rateCardsFile: string;
  /** SWITCHYARD_TENANTS_FILE: tenants and the SHA-256 hashes of their API keys (the file intake reads). */
  readonly tenantCredentialsFile: string | undefined;
  /** JSON file of operators and their API key hashes (the file placement reads). */
  readonly operatorCredentialsFile: string | undefined;
  /** SHA-256 hashes of admin API keys, comma-separated. */
  readonly adminApiKeySha256: readonly string[];
}

export const DEFAULT_METERING_GRPC_URL = '127.0.0.1:50054';

/** The shared service variables (serviceEnvironment: database, schema `metering`, event log, prefix), GRPC_URL and metering's own. */
export function meteringConfigFromEnv(env: NodeJS.ProcessEnv): MeteringConfig {
  const service = serviceEnvironment(env, 'metering');
  const adminHashes = (env.ADMIN_API_KEY_SHA256 ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const hash of adminHashes) {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new ConfigurationError('ADMIN_API_KEY_SHA256 must list lowercase hex SHA-256 digests');
  }
  return {
    ...service,
    grpcUrl: grpcUrlFromEnv(env, DEFAULT_METERING_GRPC_URL),
    consumerGroup: env.METERING_CONSUMER_GROUP || 'switchyard.metering',
    rateCardsFile: env.RATE_CARDS_FILE || defaultRateCardsPath,
    tenantCredentialsFile: env.SWITCHYARD_TENANTS_FILE || undefined,
    operatorCredentialsFile: env.OPERATOR_CREDENTIALS_FILE || undefined,
    adminApiKeySha256: adminHashes,
  };
}
