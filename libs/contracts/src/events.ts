// Event payloads of the log, protobuf package switchyard.events.v1. One envelope per topic:
// JobEvent (jobs), ProviderEvent (providers), UsageEvent (usage), LedgerEvent (ledger).
export * from './gen/switchyard/events/v1/decision.js';
export * from './gen/switchyard/events/v1/job_events.js';
export * from './gen/switchyard/events/v1/provider_events.js';
export * from './gen/switchyard/events/v1/usage_events.js';
export * from './gen/switchyard/events/v1/ledger_events.js';
export * from './gen/switchyard/events/v1/dead_letter.js';
