// What every service's tests build the same way: the two log backends a suite runs on, reading a
// topic back, and the credential files (tenants and operators, keys stored as SHA-256 hex) the
// services load at start-up.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The event-log backends a suite runs against. */
export type Backend = 'kafka' | 'postgres';
export const BACKENDS: readonly Backend[] = ['kafka', 'postgres'];

/** Every event on a topic now (the EventLog port's `read`, drained). */
export async function readAll<T>(log: { read(from: { topic: string }): AsyncIterable<T> }, topic: string): Promise<T[]> {
  const found: T[] = [];
  for await (const event of log.read({ topic })) found.push(event);
  return found;
}

/** The hex SHA-256 of a secret, as the credential files store API keys. */
export const sha256Hex = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

export interface TenantFixture {
  readonly id: string;
  readonly plan: string;
  readonly apiKey: string;
  readonly spendingCapBaseUnits?: string;
}

export interface OperatorFixture {
  readonly operatorId: string;
  readonly apiKey: string;
}

/** The tenants file's document (TENANTS_FILE), every key hashed. */
export function tenantsDocument(tenants: readonly TenantFixture[]): { tenants: object[] } {
  return {
    tenants: tenants.map((t) => ({
      id: t.id,
      plan: t.plan,
      apiKeySha256: [sha256Hex(t.apiKey)],
      ...(t.spendingCapBaseUnits === undefined ? {} : { spendingCapBaseUnits: t.spendingCapBaseUnits }),
    })),
  };
}

/** The operators file's document (OPERATORS_FILE), every key hashed. */
export function operatorsDocument(operators: readonly OperatorFixture[]): { operators: object[] } {
  return { operators: operators.map((o) => ({ operatorId: o.operatorId, apiKeySha256: [sha256Hex(o.apiKey)] })) };
}

/** Writes tenants.json and/or operators.json into `dir`; returns their paths. */
export async function writeCredentialFiles(
  dir: string,
  files: { readonly tenants?: readonly TenantFixture[]; readonly operators?: readonly OperatorFixture[] },
): Promise<{ tenantsFile: string; operatorsFile: string }> {
  const tenantsFile = join(dir, 'tenants.json');
  const operatorsFile = join(dir, 'operators.json');
  if (files.tenants) await writeFile(tenantsFile, JSON.stringify(tenantsDocument(files.tenants)));
  if (files.operators) await writeFile(operatorsFile, JSON.stringify(operatorsDocument(files.operators)));
  return { tenantsFile, operatorsFile };
}
