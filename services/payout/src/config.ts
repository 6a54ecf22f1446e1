// The payout service's configuration, read once from the environment (see docs/ledger.md).
import { ConfigurationError, grpcUrlFromEnv, serviceEnvironment, type EventServiceConfig } from '@switchyard/service-host';
import { DEFAULT_PENALTY_POLICY, type PenaltyPolicy } from './domain/index.js';

export { ConfigurationError };

export interface PayoutConfig extends EventServiceConfig {
  readonly consumerGroup: string;
  /** SHA-256 (lowercase hex) of the admin API key; without it nobody can close an epoch. */
  readonly adminKeySha256: string | undefined;
  /** The tenants file intake reads: tenant API key hashes and spending caps. */
  readonly tenantsFile: string | undefined;
  /** The operators file placement reads: operator API key hashes. */
  readonly operatorCredentialsFile: string | undefined;
  readonly penaltyPolicy: PenaltyPolicy;
}

export const DEFAULT_PAYOUT_GRPC_URL = '127.0.0.1:50055';

/** The shared service variables (serviceEnvironment: database, schema `payout`, event log, prefix), GRPC_URL and payout's own. */
export function payoutConfigFromEnv(env: NodeJS.ProcessEnv): PayoutConfig {
  const service = serviceEnvironment(env, 'payout');
  const adminKeySha256 = env.ADMIN_API_KEY_SHA256 || undefined;
  if (adminKeySha256 !== undefined && !/^[0-9a-f]{64}$/.test(adminKeySha256)) {
    throw new ConfigurationError('ADMIN_API_KEY_SHA256 must be a lowercase hex SHA-256 digest');
  }
  return {
    ...service,
    grpcUrl: grpcUrlFromEnv(env, DEFAULT_PAYOUT_GRPC_URL),
    consumerGroup: env.PAYOUT_CONSUMER_GROUP || 'switchyard.payout',
    adminKeySha256,
    tenantsFile: env.SWITCHYARD_TENANTS_FILE || undefined,
    operatorCredentialsFile: env.OPERATOR_CREDENTIALS_FILE || undefined,
    penaltyPolicy: DEFAULT_PENALTY_POLICY,
  };
}
