// docker-compose.yml, checked without a Docker engine: valid against the Compose Specification
// schema (as shipped by the pinned dclint package), every variable set on a Switchyard service
// read by the code, every mounted file present, topics provisioned as the registry says, the
// development admin key hash matching deploy/dev/README.md.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { TOPICS } from '@switchyard/contracts';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { inRepo, isObservabilityFile, PENDING_VARIABLES, variablesTheCodeReads } from './support/repository.js';

interface ComposeService {
  image?: string;
  build?: { dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string | number>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  secrets?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  entrypoint?: string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

const raw = readFileSync(inRepo('docker-compose.yml'), 'utf8');
const compose = parse(raw, { merge: true }) as ComposeFile;
const switchyardServices = Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'deploy/Dockerfile');

/** `${VAR:-default}` -> default, as compose interpolates with VAR unset. */
const interpolated = (value: string) => value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const schemaPath = join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
    const valid = validate(compose);
    expect(valid ? [] : validate.errors).toEqual([]);
    // The check has teeth: a misspelt key is refused.
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.intake!.healthcheks = {};
    expect(validate(broken)).toBe(false);
  });

  it('runs all five services from the one image, each with a gRPC health check', () => {
    expect(switchyardServices.map(([name]) => name).sort()).toEqual(['classifier', 'intake', 'metering', 'payout', 'placement']);
    for (const [name, service] of switchyardServices) {
      expect([name, service.build?.args?.SERVICE]).toEqual([name, name]);
      expect(service.healthcheck?.test).toEqual(['CMD', 'node', 'node_modules/@switchyard/service-host/dist/health-probe.js']);
      expect(service.environment?.GRPC_HEALTH_URL).toBeDefined();
    }
  });

  it('sets only variables the code reads on the Switchyard services', () => {
    const read = variablesTheCodeReads();
    const unread = switchyardServices.flatMap(([name, service]) =>
      Object.keys(service.environment ?? {})
        .filter((variable) => !read.has(variable) && !(variable in PENDING_VARIABLES))
        .map((variable) => `${name}: ${variable}`),
    );
    expect(unread).toEqual([]);
    const pending = Object.keys(PENDING_VARIABLES).filter((variable) => !read.has(variable));
    if (pending.length > 0)
      console.warn(`set ahead of the code that reads them: ${pending.map((v) => `${v} (${PENDING_VARIABLES[v]})`).join('; ')}`);
  });

  it('takes credentials from mounted files, and every file it mounts exists', () => {
    for (const [name, file] of Object.entries(compose.secrets))
      expect([name, existsSync(inRepo(interpolated(file.file)))]).toEqual([name, true]);
    const env = (service: string) => compose.services[service]!.environment!;
    expect(env('intake').SWITCHYARD_TENANTS_FILE).toBe('/run/secrets/tenants');
    expect(env('placement').OPERATOR_CREDENTIALS_FILE).toBe('/run/secrets/operators');
    for (const [, service] of switchyardServices) {
      expect(service.environment?.DATABASE_PASSWORD_FILE).toBe('/run/secrets/postgres-password');
      expect(String(service.environment?.DATABASE_URL)).not.toMatch(/:[^@/]+@/);
    }
    const binds = Object.values(compose.services)
      .flatMap((s) => s.volumes ?? [])
      .filter((v) => v.startsWith('./'))
      .map((v) => v.split(':')[0]!);
    const missing = binds.filter((path) => !existsSync(inRepo(path)));
    expect(missing.filter((path) => !isObservabilityFile(path))).toEqual([]);
    if (missing.length > 0) console.warn(`observability files not on this branch yet: ${missing.join(', ')}`);
  });

  it('keeps the log on a volume and provisions topics before any service starts', () => {
    expect(compose.services.kafka!.volumes).toContain('kafkadata:/var/lib/kafka/data');
    for (const [name, service] of switchyardServices) {
      expect([name, (service.depends_on as Record<string, { condition: string }>)['kafka-topics']]).toEqual([
        name,
        { condition: 'service_completed_successfully' },
      ]);
    }
    expect(compose.services['kafka-topics']!.entrypoint).toContain('/usr/local/bin/create-topics.sh');
  });

  it('provisions exactly the registry topics, partitions and retention, and their dead-letter topics', () => {
    const script = readFileSync(inRepo('deploy/kafka/create-topics.sh'), 'utf8');
    const specs = /for spec in ([^;]+);/
      .exec(script)![1]!
      .trim()
      .split(/\s+/)
      .map((spec) => spec.split(':'));
    expect(
      Object.fromEntries(
        specs.map(([name, partitions, retention]) => [name, { partitions: Number(partitions), retentionMs: Number(retention) }]),
      ),
    ).toEqual(Object.fromEntries(Object.values(TOPICS).map((t) => [t.name, { partitions: t.partitions, retentionMs: t.retentionMs }])));
    expect(script).toContain('"${PREFIX}${name}-dlt"');
  });

  it("defaults the admin key hash to the development key's", () => {
    const hash = createHash('sha256').update('dev-admin-key').digest('hex');
    for (const service of ['metering', 'payout'])
      expect(interpolated(String(compose.services[service]!.environment!.ADMIN_API_KEY_SHA256))).toBe(hash);
    expect(readFileSync(inRepo('deploy/dev/README.md'), 'utf8')).toContain('dev-admin-key');
  });
});
