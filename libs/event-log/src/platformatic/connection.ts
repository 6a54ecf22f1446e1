// What every @platformatic/kafka client of one log shares: brokers, client id, TLS and SASL.
import { SASLMechanisms, type BaseOptions } from '@platformatic/kafka';
import type { KafkaSecurity } from '../kafka/kafka-security.js';

export interface PlatformaticConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly security?: KafkaSecurity;
}

const MECHANISMS = {
  plain: SASLMechanisms.PLAIN,
  'scram-sha-256': SASLMechanisms.SCRAM_SHA_256,
  'scram-sha-512': SASLMechanisms.SCRAM_SHA_512,
} as const;

/** Base options of a client: KafkaSecurity as the library's `tls` and `sasl`. */
export function baseOptions(connection: PlatformaticConnection, clientId = connection.clientId): BaseOptions {
  const { tls, sasl } = connection.security ?? {};
  return {
    clientId,
    bootstrapBrokers: [...connection.brokers],
    retries: 5,
    retryDelay: 250,
    // Topics are created explicitly (admin), never by a produce or a metadata request.
    autocreateTopics: false,
    ...(tls
      ? {
          tls: {
            ...(tls.ca ? { ca: tls.ca } : {}),
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key.reveal() } : {}),
          },
        }
      : {}),
    ...(sasl ? { sasl: { mechanism: MECHANISMS[sasl.mechanism], username: sasl.username, password: () => sasl.password.reveal() } } : {}),
  };
}
