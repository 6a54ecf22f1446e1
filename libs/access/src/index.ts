export {
  CredentialFileError,
  parseOperators,
  parseTenants,
  readOperatorsFile,
  readTenantsFile,
  type OperatorEntry,
  type TenantEntry,
} from './credential-files.js';
export { apiKeyOf, bearerSecret, newProviderToken, sha256Hex, type MetadataValues } from './secrets.js';
export { CallerDirectory, type Caller, type CallerSources } from './callers.js';
