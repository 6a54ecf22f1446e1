import type { events } from '@switchyard/contracts/messages';

// The events the provider registry folds, as a tagged union so `evolveProviders` can switch on
// `type` exhaustively. The shell maps each topic's envelope with `registryEventOf...`.

export type ProviderFamilyEvent =
  | { type: 'ProviderRegistered'; data: events.ProviderRegistered }
  | { type: 'ProviderHeartbeatMissed'; data: events.ProviderHeartbeatMissed }
  | { type: 'ProviderLost'; data: events.ProviderLost }
  | { type: 'ProviderRecovered'; data: events.ProviderRecovered }
  | { type: 'ProviderCapacityChanged'; data: events.ProviderCapacityChanged }
  | { type: 'ProviderInputsReported'; data: events.ProviderInputsReported };

export type JobFamilyEvent =
  | { type: 'JobSubmitted'; data: events.JobSubmitted }
  | { type: 'JobClassified'; data: events.JobClassified }
  | { type: 'JobQueued'; data: events.JobQueued }
  | { type: 'JobPlaced'; data: events.JobPlaced }
  | { type: 'JobRequeued'; data: events.JobRequeued }
  | { type: 'JobStarted'; data: events.JobStarted }
  | { type: 'JobCompleted'; data: events.JobCompleted }
  | { type: 'JobFailed'; data: events.JobFailed }
  | { type: 'JobCancelled'; data: events.JobCancelled }
  | { type: 'JobExpired'; data: events.JobExpired }
  | { type: 'JobExclusionRelaxed'; data: events.JobExclusionRelaxed };

export type RegistryEvent = ProviderFamilyEvent | JobFamilyEvent;

/** Job events the registry does not fold: a cancel request changes nothing until JobCancelled. */
export const IGNORED_JOB_EVENT_TYPES = ['JobCancelRequested'] as const;

/** The registry event in a providers-topic envelope, or undefined if the envelope is empty (unknown event). */
export function registryEventOfProviderEnvelope(envelope: events.ProviderEvent): ProviderFamilyEvent | undefined {
  if (envelope.providerRegistered) return { type: 'ProviderRegistered', data: envelope.providerRegistered };
  if (envelope.providerHeartbeatMissed) return { type: 'ProviderHeartbeatMissed', data: envelope.providerHeartbeatMissed };
  if (envelope.providerLost) return { type: 'ProviderLost', data: envelope.providerLost };
  if (envelope.providerRecovered) return { type: 'ProviderRecovered', data: envelope.providerRecovered };
  if (envelope.providerCapacityChanged) return { type: 'ProviderCapacityChanged', data: envelope.providerCapacityChanged };
  if (envelope.providerInputsReported) return { type: 'ProviderInputsReported', data: envelope.providerInputsReported };
  return undefined;
}

/**
 * The registry event in a jobs-topic envelope; 'ignored' for the types listed in
 * IGNORED_JOB_EVENT_TYPES, undefined for an envelope with no known event (the shell warns).
 */
export function registryEventOfJobEnvelope(envelope: events.JobEvent): JobFamilyEvent | 'ignored' | undefined {
  if (envelope.jobSubmitted) return { type: 'JobSubmitted', data: envelope.jobSubmitted };
  if (envelope.jobClassified) return { type: 'JobClassified', data: envelope.jobClassified };
  if (envelope.jobQueued) return { type: 'JobQueued', data: envelope.jobQueued };
  if (envelope.jobPlaced) return { type: 'JobPlaced', data: envelope.jobPlaced };
  if (envelope.jobRequeued) return { type: 'JobRequeued', data: envelope.jobRequeued };
  if (envelope.jobStarted) return { type: 'JobStarted', data: envelope.jobStarted };
  if (envelope.jobCompleted) return { type: 'JobCompleted', data: envelope.jobCompleted };
  if (envelope.jobFailed) return { type: 'JobFailed', data: envelope.jobFailed };
  if (envelope.jobCancelled) return { type: 'JobCancelled', data: envelope.jobCancelled };
  if (envelope.jobExpired) return { type: 'JobExpired', data: envelope.jobExpired };
  if (envelope.jobExclusionRelaxed) return { type: 'JobExclusionRelaxed', data: envelope.jobExclusionRelaxed };
  if (envelope.jobCancelRequested) return 'ignored';
  return undefined;
}
