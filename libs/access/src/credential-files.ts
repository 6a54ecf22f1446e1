// The two credential files every service reads, with one schema each (zod):
//
//   tenants (SWITCHYARD_TENANTS_FILE), who may submit and read jobs and usage:
//     { "tenants": [ { "id": "acme", "plan": "enterprise", "spendingCapBaseUnits": "500000000",
//                      "apiKeySha256": ["<64 lowercase hex>"] } ] }
//   operators (OPERATOR_CREDENTIALS_FILE), who may register providers and read their earnings:
//     { "operators": [ { "operatorId": "op-north", "apiKeySha256": ["<hex>", "<hex of the next key>"] } ] }
//
// Keys are stored only as SHA-256 hashes; several per entry let a key be rotated without downtime.
// A file that does not match is refused at start with its path and the offending field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const hash = z.string().regex(HEX_SHA256, 'must be lowercase hex SHA-256 hashes');
/** One hash or a list of them; read as a list. */
const hashes = z.union([hash.transform((h) => [h]), z.array(hash)], { error: 'must be lowercase hex SHA-256 hashes' });

const tenantSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase id'),
  plan: z.string({ error: 'is required' }).min(1, 'is required'),
  spendingCapBaseUnits: z
    .string({ error: 'must be a decimal string of base units' })
    .regex(/^\d+$/, 'must be a decimal string of base units')
    .optional(),
  apiKeySha256: hashes,
});

const operatorSchema = z.object({
  operatorId: z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string'),
  apiKeySha256: hashes,
});

const tenantsFileSchema = z.object(
  { tenants: z.array(tenantSchema, { error: 'expected {"tenants": [...]}' }) },
  { error: 'expected {"tenants": [...]}' },
);
const operatorsFileSchema = z.object(
  { operators: z.array(operatorSchema, { error: 'expected {"operators": [...]}' }) },
  { error: 'expected {"operators": [...]}' },
);

export interface TenantEntry {
  readonly id: string;
  readonly plan: string;
  /** The tenant's spending cap per epoch in base units; undefined: no cap. */
  readonly spendingCapBaseUnits: bigint | undefined;
  readonly apiKeySha256: readonly string[];
}

export interface OperatorEntry {
  readonly operatorId: string;
  readonly apiKeySha256: readonly string[];
}

export class CredentialFileError extends Error {}

/** The tenants of a parsed document; `source` names it in errors (a path). */
export function parseTenants(document: unknown, source = 'tenants'): TenantEntry[] {
  const { tenants } = checked(tenantsFileSchema, document, source);
  const entries = tenants.map((t) => ({
    id: t.id,
    plan: t.plan,
    spendingCapBaseUnits: t.spendingCapBaseUnits === undefined ? undefined : BigInt(t.spendingCapBaseUnits),
    apiKeySha256: t.apiKeySha256,
  }));
  refuseRepeats(
    entries.map((t) => t.id),
    'tenants',
    'id',
    source,
  );
  refuseSharedKeys(entries, 'tenants', source);
  return entries;
}

/** The operators of a parsed document; `source` names it in errors (a path). */
export function parseOperators(document: unknown, source = 'operators'): OperatorEntry[] {
  const { operators } = checked(operatorsFileSchema, document, source);
  refuseRepeats(
    operators.map((o) => o.operatorId),
    'operators',
    'operatorId',
    source,
  );
  refuseSharedKeys(operators, 'operators', source);
  return operators;
}

export const readTenantsFile = (path: string): TenantEntry[] => parseTenants(readJson(path), path);
export const readOperatorsFile = (path: string): OperatorEntry[] => parseOperators(readJson(path), path);

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CredentialFileError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

function checked<T>(schema: z.ZodType<T>, document: unknown, source: string): T {
  const result = schema.safeParse(document);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // `tenants[0].apiKeySha256` rather than zod's path array; a hash inside a list names the list.
  const path = issue.path.filter((part, i) => typeof part !== 'number' || i < 2);
  const where = path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
  throw new CredentialFileError(
    `${source}: ${where === '' || where === 'tenants' || where === 'operators' ? '' : `${where} `}${issue.message}`,
  );
}

function refuseRepeats(ids: readonly string[], list: string, field: string, source: string): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw new CredentialFileError(`${source}: ${list}[${i}].${field} "${id}" is listed twice`);
    seen.add(id);
  });
}

function refuseSharedKeys(entries: readonly { readonly apiKeySha256: readonly string[] }[], list: string, source: string): void {
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    for (const h of entry.apiKeySha256) {
      if (seen.has(h)) throw new CredentialFileError(`${source}: ${list}[${i}]: an API key hash is listed twice`);
      seen.add(h);
    }
  });
}
