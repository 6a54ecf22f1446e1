// Operators and their API key hashes, loaded from a JSON file at start:
//   { "operators": [ { "operatorId": "op-north", "apiKeySha256": ["<hex>", "<hex of the next key>"] } ] }
// Several hashes per operator let a key be rotated without downtime.
import { readFileSync } from 'node:fs';
import { sha256Hex } from './secrets.js';

export class OperatorCredentials {
  private constructor(private readonly operatorByKeyHash: ReadonlyMap<string, string>) {}

  static empty(): OperatorCredentials {
    return new OperatorCredentials(new Map());
  }

  static fromFile(path: string): OperatorCredentials {
    return OperatorCredentials.fromJson(JSON.parse(readFileSync(path, 'utf8')) as unknown, path);
  }

  static fromJson(json: unknown, source = 'operator credentials'): OperatorCredentials {
    const operators = (json as { operators?: unknown })?.operators;
    if (!Array.isArray(operators)) throw new Error(`${source}: expected { "operators": [...] }`);
    const byHash = new Map<string, string>();
    operators.forEach((entry: unknown, i) => {
      const { operatorId, apiKeySha256 } = (entry ?? {}) as { operatorId?: unknown; apiKeySha256?: unknown };
      if (typeof operatorId !== 'string' || operatorId === '') throw new Error(`${source}: operators[${i}].operatorId must be a non-empty string`);
      const hashes = Array.isArray(apiKeySha256) ? apiKeySha256 : [apiKeySha256];
      for (const hash of hashes) {
        if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
          throw new Error(`${source}: operators[${i}].apiKeySha256 must be lowercase hex SHA-256 digests`);
        }
        byHash.set(hash, operatorId);
      }
    });
    return new OperatorCredentials(byHash);
  }

  /** Whether the operator is listed (a client certificate may name it). */
  knows(operatorId: string): boolean {
    for (const known of this.operatorByKeyHash.values()) if (known === operatorId) return true;
    return false;
  }

  /** The operator an API key belongs to, or undefined. */
  operatorOf(apiKey: string): string | undefined {
    return this.operatorByKeyHash.get(sha256Hex(apiKey));
  }
}
