// Generates the AsyncAPI 3 description of the log's topics from the code that defines them:
// the topic registry (topics.ts) and the event payload protos. docs/topics/asyncapi.yaml is
// this function's output; a test fails when the committed file drifts from it.
import protobuf from 'protobufjs';
import { DATASCHEMA_PREFIX, DEAD_LETTER_MESSAGE, dataschemaOf } from './payload-schemas.js';
import { eventProtoFiles, protoRoot } from './proto-files.js';
import { DEAD_LETTER_RETENTION_MS, TOPICS, consumersOf, deadLetterTopic, keyOf, topicNames, type TopicContract } from './topics.js';

type Schema = Record<string, unknown>;

const DEFAULT_PREFIX = 'switchyard.';
const BINDING_VERSION = '0.5.0';
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

function loadEventRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith('/') || target.startsWith('google/protobuf/') ? target : `${protoRoot}${target}`;
  root.loadSync(Object.values(eventProtoFiles), { keepCase: false });
  root.resolveAll();
  return root;
}

const schemaRef = (fullName: string): Schema => ({ $ref: `#/components/schemas/${fullName}` });
const fullNameOf = (type: protobuf.ReflectionObject): string => type.fullName.replace(/^\./, '');

/** JSON Schema of a field in protobuf canonical JSON (int64 as decimal strings, enums by name). */
function fieldSchema(field: protobuf.Field, pending: protobuf.Type[]): Schema {
  const resolved = field.resolvedType;
  let item: Schema;
  if (resolved instanceof protobuf.Enum) {
    item = { type: 'string', enum: Object.keys(resolved.values) };
  } else if (resolved instanceof protobuf.Type) {
    if (fullNameOf(resolved) === 'google.protobuf.Timestamp') item = { type: 'string', format: 'date-time' };
    else if (fullNameOf(resolved) === 'google.protobuf.Value') item = { description: 'any JSON value' };
    else {
      pending.push(resolved);
      item = schemaRef(fullNameOf(resolved));
    }
  } else if (INT64.has(field.type)) item = { type: 'string', pattern: '^-?[0-9]+$', description: `${field.type} as a decimal string` };
  else if (INT32.has(field.type)) item = { type: 'integer' };
  else if (field.type === 'double' || field.type === 'float') item = { type: 'number' };
  else if (field.type === 'bool') item = { type: 'boolean' };
  else if (field.type === 'bytes') item = { type: 'string', contentEncoding: 'base64' };
  else item = { type: 'string' };
  if (field instanceof protobuf.MapField) return { type: 'object', additionalProperties: item };
  return field.repeated ? { type: 'array', items: item } : item;
}

function messageSchemas(roots: protobuf.Type[]): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  const pending = [...roots];
  while (pending.length > 0) {
    const type = pending.shift()!;
    const name = fullNameOf(type);
    if (schemas[name]) continue;
    const properties: Record<string, Schema> = {};
    for (const field of type.fieldsArray) properties[field.name] = fieldSchema(field, pending);
    schemas[name] = { type: 'object', description: `protobuf canonical JSON of ${name}`, properties };
  }
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

const cloudEventHeaders = (eventType: string, subject: string, payloadMessage: string): Schema => ({
  type: 'object',
  required: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_subject', 'content-type'],
  properties: {
    ce_specversion: { type: 'string', const: '1.0' },
    ce_id: { type: 'string', description: 'Unique event id; consumers deduplicate on it' },
    ce_type: { type: 'string', const: eventType },
    ce_source: { type: 'string', description: 'Producing service, e.g. /switchyard/intake' },
    ce_time: {
      type: 'string',
      format: 'date-time',
      description: 'When the fact happened (from the deciding input, never a clock read in a decider)',
    },
    ce_subject: { type: 'string', description: `${subject}; equal to the record key` },
    ce_dataschema: {
      type: 'string',
      format: 'uri',
      const: dataschemaOf(payloadMessage),
      description: `URI naming the protobuf message the payload is the canonical JSON of (${DATASCHEMA_PREFIX}<message>); absent on records written before 2026-12, whose payload is the same`,
    },
    ce_causationid: { type: 'string', description: 'Id of the event or request that caused this one' },
    ce_correlationid: { type: 'string', description: 'Id shared by every event of one flow (the job id for job flows)' },
    'content-type': { type: 'string', const: 'application/json' },
    traceparent: { type: 'string', description: 'W3C trace context' },
    tracestate: { type: 'string' },
  },
});

const deadLetterHeaders: Schema = {
  type: 'object',
  description: `CloudEvents headers of the dead letter (ce_type ${DEAD_LETTER_MESSAGE}, or switchyard.runtime.v1.EventDeadLettered before 2026-12; ce_dataschema ${dataschemaOf(DEAD_LETTER_MESSAGE)}; ce_subject = the original subject), plus where the event came from and why it failed`,
  required: ['ce_dlttopic', 'ce_dltpartition', 'ce_dltoffset', 'ce_dlterror', 'ce_dltattempts', 'ce_dltgroup'],
  properties: {
    ce_dlttopic: { type: 'string', description: 'Topic the event was consumed from' },
    ce_dltpartition: { type: 'string', description: 'Its partition' },
    ce_dltoffset: { type: 'string', description: 'Its offset' },
    ce_dlterror: { type: 'string', description: 'The last error' },
    ce_dltattempts: { type: 'string', description: 'How many times it was tried' },
    ce_dltgroup: { type: 'string', description: 'The consumer group that gave up' },
  },
};

function keysDescription(topic: TopicContract): string {
  const entries = Object.entries(topic.keys);
  if (entries.length === 1 && entries[0]![0] === '*') return entries[0]![1].description;
  return entries.map(([type, spec]) => `${spec.description} for ${type}`).join(', ');
}

function topicDescription(topic: TopicContract): string {
  const retention = topic.retentionMs < 0 ? 'kept forever' : `${topic.retentionMs} ms`;
  const consumers = consumersOf(topic.name).map((s) => `${s.service} (group ${s.groupId})`);
  return [
    `Key: ${keysDescription(topic)}. Partitions: ${topic.partitions}. Retention: ${retention}.`,
    `Producers: ${topic.producers.join(', ')}. Consumers: ${consumers.length > 0 ? consumers.join(', ') : 'none among the services (read by the CLI and other teams)'}.`,
    `Payload: ${topic.envelope} (ce_dataschema ${dataschemaOf(topic.envelope)}) in protobuf canonical JSON with the one member ce_type names set.`,
  ].join(' ');
}

/** The AsyncAPI 3.0 document for every topic (physical names under the default prefix). */
export function topicContractsDocument(): Record<string, unknown> {
  const root = loadEventRoot();
  const names = topicNames(DEFAULT_PREFIX);
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const payloadTypes: protobuf.Type[] = [];

  for (const topic of Object.values(TOPICS)) {
    const envelope = root.lookupType(topic.envelope);
    const members = envelope.oneofsArray[0]!.fieldsArray;
    const channelMessages: Record<string, unknown> = {};
    for (const member of members) {
      const type = member.resolvedType as protobuf.Type;
      const messageId = type.name;
      const key = keyOf(topic.name, messageId);
      payloadTypes.push(type);
      messages[messageId] = {
        name: messageId,
        title: fullNameOf(type),
        summary: type.comment ?? undefined,
        contentType: 'application/json',
        headers: cloudEventHeaders(fullNameOf(type), key.description, topic.envelope),
        // The topic's envelope with exactly this member set, e.g. {"jobPlaced": {...}}.
        payload: {
          type: 'object',
          required: [member.name],
          additionalProperties: false,
          properties: { [member.name]: schemaRef(fullNameOf(type)) },
        },
        bindings: {
          kafka: {
            key: { type: 'string', description: `${key.description} (${key.template} of the ${member.name} payload)` },
            bindingVersion: BINDING_VERSION,
          },
        },
      };
      channelMessages[messageId] = { $ref: `#/components/messages/${messageId}` };
    }
    const address = names[topic.name];
    channels[topic.name] = {
      address,
      title: topic.name,
      description: topicDescription(topic),
      messages: channelMessages,
      bindings: {
        kafka: {
          topic: address,
          partitions: topic.partitions,
          topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': topic.retentionMs },
          bindingVersion: BINDING_VERSION,
        },
      },
    };
    const consumers = consumersOf(topic.name);
    const writers =
      consumers.length > 0
        ? `a consumer group (${consumers.map((c) => c.groupId).join(', ')})`
        : 'a consumer group (none among the services consumes this topic today, so it stays empty)';
    channels[`${topic.name}-dlt`] = {
      address: deadLetterTopic(address),
      title: `${topic.name} dead letters`,
      description: `Events of ${address} that ${writers} gave up on after its retries, wrapped in ${DEAD_LETTER_MESSAGE} with where they came from and why; key = the original key. Created by the topic provisioning (deploy/kafka/create-topics.sh) or by a consumer group when it first starts on the topic, with the source topic's partitions, kept forever (retention.ms -1). Inspect and re-drive with \`switchyard dlt\`.`,
      messages: { DeadLetter: { $ref: '#/components/messages/DeadLetter' } },
      bindings: {
        kafka: {
          topic: deadLetterTopic(address),
          partitions: topic.partitions,
          topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': DEAD_LETTER_RETENTION_MS },
          bindingVersion: BINDING_VERSION,
        },
      },
    };
    for (const producer of topic.producers) {
      operations[`${producer}-sends-${topic.name}`] = { action: 'send', channel: { $ref: `#/channels/${topic.name}` } };
    }
    for (const consumer of consumers) {
      operations[`${consumer.service}-receives-${topic.name}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${topic.name}` },
        bindings: { kafka: { groupId: { type: 'string', enum: [consumer.groupId] }, bindingVersion: BINDING_VERSION } },
      };
    }
  }
  const deadLetterType = root.lookupType(DEAD_LETTER_MESSAGE);
  payloadTypes.push(deadLetterType);
  messages.DeadLetter = {
    name: 'DeadLetter',
    title: DEAD_LETTER_MESSAGE,
    contentType: 'application/json',
    headers: deadLetterHeaders,
    payload: schemaRef(DEAD_LETTER_MESSAGE),
    bindings: { kafka: { key: { type: 'string', description: 'the original record key' }, bindingVersion: BINDING_VERSION } },
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Switchyard event log',
      version: '1.0.0',
      description:
        'Topics of the Switchyard event log. Generated from libs/contracts/src/topics.ts (topics, keys, consumer groups) and proto/switchyard/events/v1 by `pnpm --filter @switchyard/contracts docs:topics`; do not edit by hand. Physical names use the default prefix `switchyard.`; deployments may choose another (SWITCHYARD_TOPIC_PREFIX). Payloads are protobuf canonical JSON (int64 as decimal strings, enums by name, Timestamps as RFC 3339) of the message ce_dataschema names (`urn:switchyard:proto:<message>`: the topic envelope with the one member ce_type names set); CloudEvents 1.0 attributes travel in binary mode as ce_* headers; record key = ce_subject = entity id. Guide: docs/topics/README.md.',
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: { host: 'localhost:9092', protocol: 'kafka', description: 'Any broker named by KAFKA_BROKERS' },
    },
    channels,
    operations,
    components: { messages, schemas: messageSchemas(payloadTypes) },
  };
}
