// Injection tokens of values the module builds from configuration.
export const PLACEMENT_CONFIG = Symbol('PlacementConfig');
export const PLACEMENT_POLICY = Symbol('PlacementPolicy');
export const EVENT_LOG = Symbol('EventLog');
export const OPERATOR_CREDENTIALS = Symbol('OperatorDirectory');
