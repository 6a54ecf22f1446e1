// What a record's payload is, named on the record itself: ce_dataschema is a URI naming the
// protobuf message the payload is the canonical JSON of, `urn:switchyard:proto:<full name>`.
// For a topic's events that is the topic's envelope (ce_type switchyard.events.v1.JobPlaced has
// payload switchyard.events.v1.JobEvent with `jobPlaced` set); for a dead letter, the
// EventDeadLettered message. A consumer with only proto/ and kcat decodes every record from it.
// Records written before producers set it have no ce_dataschema; their payload is the same.
import { protoFileDescriptors } from './descriptors.js';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { TOPICS } from './topics.js';

export const DATASCHEMA_PREFIX = 'urn:switchyard:proto:';

/** The ce_dataschema naming `message` (a fully qualified proto message name). */
export const dataschemaOf = (message: string): string => `${DATASCHEMA_PREFIX}${message}`;

/** The message a ce_dataschema names, or undefined when it is not one of ours. */
export function messageOfDataschema(dataschema: string | undefined): string | undefined {
  return dataschema?.startsWith(DATASCHEMA_PREFIX) ? dataschema.slice(DATASCHEMA_PREFIX.length) : undefined;
}

export const DEAD_LETTER_MESSAGE = 'switchyard.events.v1.EventDeadLettered';

let envelopes: ReadonlyMap<string, string> | undefined;

/** ce_type -> the envelope message whose oneof holds it, for every topic's envelope. */
function envelopeByEventType(): ReadonlyMap<string, string> {
  if (!envelopes) {
    const wanted = new Set(Object.values(TOPICS).map((topic) => topic.envelope));
    const map = new Map<string, string>([[DEAD_LETTER_MESSAGE, DEAD_LETTER_MESSAGE]]);
    for (const { bytes } of protoFileDescriptors()) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      for (const message of file.messageType) {
        const name = `${file.package}.${message.name}`;
        if (!wanted.has(name)) continue;
        for (const field of message.field) if (field.typeName) map.set(field.typeName.replace(/^\./, ''), name);
      }
    }
    envelopes = map;
  }
  return envelopes;
}

/** The ce_dataschema a record of event type `ceType` carries, or undefined for a type that is not ours. */
export function dataschemaForEventType(ceType: string): string | undefined {
  const message = envelopeByEventType().get(ceType);
  return message === undefined ? undefined : dataschemaOf(message);
}
