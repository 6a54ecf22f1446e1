// How a Kafka client authenticates to the brokers and encrypts the connection: TLS (with a
// private CA and, for mutual TLS, a client certificate) and SASL (PLAIN or SCRAM). Backend-neutral:
// each Kafka adapter maps it to its client's options. Passwords are held as Secret, which never
// prints its value (JSON, util.inspect, string conversion), so a logged config leaks nothing.
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value, for the one call that needs it (a client's credentials). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

export interface KafkaTls {
  /** PEM CA bundle the brokers' certificates are checked against; default: Node's public roots. */
  readonly ca?: string;
  /** PEM client certificate and key: mutual TLS to the brokers. */
  readonly cert?: string;
  readonly key?: Secret;
}

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSasl {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  readonly password: Secret;
}

export interface KafkaSecurity {
  /** Set: connect over TLS. */
  readonly tls?: KafkaTls;
  readonly sasl?: KafkaSasl;
}

export const KAFKA_SASL_MECHANISMS: readonly KafkaSaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

/** What a log line may say: the protocol Kafka would call it, never credentials. */
export function describeKafkaSecurity(security: KafkaSecurity | undefined): string {
  const protocol = `${security?.sasl ? 'SASL_' : ''}${security?.tls ? 'SSL' : 'PLAINTEXT'}`;
  return security?.sasl ? `${protocol} (${security.sasl.mechanism.toUpperCase()} as ${security.sasl.username})` : protocol;
}
