export { defaultFleetConfig, planFleet, type FleetConfig, type ProviderPlan } from './fleet-plan.js';
export { startFleet, type RunningFleet } from './fleet.js';
export { SimulatedProvider, type FleetLog } from './simulated-provider.js';
export { DEFAULT_REPORT_RETRY, isAnswer, sendUntilAnswered, type PendingReport, type ReportRetryPolicy } from './report-retry.js';
