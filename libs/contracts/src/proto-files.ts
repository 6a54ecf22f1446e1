import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Options } from '@grpc/proto-loader';

// The .proto sources live in /proto at the repo root, and the build copies them next to this
// file (dist/proto, see scripts/copy-protos.mjs): a built package finds its own copy wherever it
// is installed (a container's node_modules), while the TypeScript source, which has no copy
// beside it, reads the repo root (three levels up from libs/contracts/src), always current.
const packagedProtos = new URL('./proto/', import.meta.url);
const protoRootUrl = existsSync(new URL('switchyard/v1/job_service.proto', packagedProtos))
  ? packagedProtos
  : new URL('../../../proto/', import.meta.url);

/** Absolute path of the proto root directory (the include dir for every .proto import). */
export const protoRoot: string = fileURLToPath(protoRootUrl);

const inRoot = (relative: string): string => fileURLToPath(new URL(relative, protoRootUrl));

/** Absolute paths of the public API service files (package switchyard.v1). */
export const apiProtoFiles = {
  jobService: inRoot('switchyard/v1/job_service.proto'),
  providerService: inRoot('switchyard/v1/provider_service.proto'),
  usageService: inRoot('switchyard/v1/usage_service.proto'),
  payoutService: inRoot('switchyard/v1/payout_service.proto'),
} as const;

/** Absolute paths of the event payload files (package switchyard.events.v1). */
export const eventProtoFiles = {
  jobEvents: inRoot('switchyard/events/v1/job_events.proto'),
  providerEvents: inRoot('switchyard/events/v1/provider_events.proto'),
  usageEvents: inRoot('switchyard/events/v1/usage_events.proto'),
  ledgerEvents: inRoot('switchyard/events/v1/ledger_events.proto'),
  deadLetter: inRoot('switchyard/events/v1/dead_letter.proto'),
} as const;

/** gRPC package name of the public API, as NestJS `Transport.GRPC` options expect it. */
export const apiPackageName = 'switchyard.v1';

/**
 * Options for @grpc/proto-loader (and NestJS `Transport.GRPC` `loader`). The generated types
 * (ts-proto with forceLong=string, stringEnums=true, useDate=false) have exactly this shape:
 * camelCase fields, int64 as decimal strings, enums as value names, Timestamps as
 * { seconds, nanos }, unset fields defaulted, and the set oneof member named by a virtual field.
 */
export const protoLoaderOptions = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoRoot],
} satisfies Options;
