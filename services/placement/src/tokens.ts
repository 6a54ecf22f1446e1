// Injection tokens of values the module builds from configuration.
export const PLACEMENT_CONFIG = Symbol('placement.config');
export const PLACEMENT_POLICY = Symbol('placement.policy');
export const OPERATOR_CREDENTIALS = Symbol('placement.operator-credentials');
/** The event log the host opened (startEventService provides it). */
export { EVENT_LOG } from '@switchyard/service-host';
