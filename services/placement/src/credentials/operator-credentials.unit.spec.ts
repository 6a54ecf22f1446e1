import { describe, expect, it } from '@jest/globals';
import { OperatorCredentials } from './operator-credentials.js';
import { bearerSecret, newProviderToken, sha256Hex } from './secrets.js';

describe('operator credentials', () => {
  const file = { operators: [{ operatorId: 'op-north', apiKeySha256: [sha256Hex('old-key'), sha256Hex('new-key')] }] };

  it('maps every listed key of an operator to it, and nothing else', () => {
    const credentials = OperatorCredentials.fromJson(file);
    expect(credentials.operatorOf('old-key')).toBe('op-north');
    expect(credentials.operatorOf('new-key')).toBe('op-north');
    expect(credentials.operatorOf('other')).toBeUndefined();
  });

  it('refuses a file whose hashes are not SHA-256 hex digests, naming the entry', () => {
    expect(() => OperatorCredentials.fromJson({ operators: [{ operatorId: 'op', apiKeySha256: 'plain-key' }] }, 'ops.json')).toThrow(
      'ops.json: operators[0].apiKeySha256 must be lowercase hex SHA-256 digests',
    );
    expect(() => OperatorCredentials.fromJson({}, 'ops.json')).toThrow('ops.json: expected { "operators": [...] }');
  });
});

describe('bearer secrets', () => {
  it('reads the secret of an authorization: Bearer value', () => {
    expect(bearerSecret(['Bearer abc'])).toBe('abc');
    expect(bearerSecret(['bearer  abc '])).toBe('abc');
    expect(bearerSecret(['Basic abc'])).toBeUndefined();
    expect(bearerSecret([])).toBeUndefined();
  });

  it('issues distinct provider tokens that are never their own hash', () => {
    const [a, b] = [newProviderToken(), newProviderToken()];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^spt_[A-Za-z0-9_-]{43}$/);
    expect(sha256Hex(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});
