export { databaseUrl, kafkaBrokers } from './environment.js';
export { createTestSchema, createTestTopics, uniqueName, type TestSchema, type TestTopics } from './isolation.js';
export { eventually } from './eventually.js';
