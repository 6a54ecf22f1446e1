// Writes docs/topics/asyncapi.yaml from the code (see src/topic-contracts.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { topicContractsDocument } from '../src/topic-contracts.js';

const target = fileURLToPath(new URL('../../../docs/topics/asyncapi.yaml', import.meta.url));
writeFileSync(target, stringify(topicContractsDocument(), { lineWidth: 0 }));
console.error(`wrote ${target}`);
