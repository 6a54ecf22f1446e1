import { classifierConfigFromEnv } from './config.js';
import { startClassifier } from './classifier.js';

await startClassifier(classifierConfigFromEnv(process.env));
