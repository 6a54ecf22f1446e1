import { TOPICS, topicNames, type TopicName } from '@switchyard/contracts/messages';
import { usageError } from '../cli-error.js';

export interface ResolvedTopic {
  readonly physical: string;
  readonly family: TopicName | undefined;
}

/** Physical topic name of each family under the prefix, and the way back. */
export class TopicMap {
  readonly names: Readonly<Record<TopicName, string>>;

  constructor(readonly prefix: string) {
    this.names = topicNames(prefix);
  }

  familyOf(physical: string): TopicName | undefined {
    return (Object.keys(this.names) as TopicName[]).find((family) => this.names[family] === physical);
  }

  /** `jobs` (a family under the prefix) or a full topic name such as `switchyard.jobs` or `jobs-dlt`. */
  resolve(argument: string): ResolvedTopic {
    if (argument === '') throw usageError('a topic name is required');
    if (argument in TOPICS) {
      const family = argument as TopicName;
      return { physical: this.names[family], family };
    }
    return { physical: argument, family: this.familyOf(argument) ?? this.familyOf(argument.replace(/-(dlt|retry)$/, '')) };
  }
}
