import { classifierSettingsFromEnv, startClassifier } from './classifier.js';

await startClassifier(classifierSettingsFromEnv(process.env));
