// Public entry: the composition root (to host the service), and the deciders and the tier policy
// loader the CLI replays with.
export { ClassifierModule } from './classifier.module.js';
export { classifierSettingsFromEnv, startClassifier, type ClassifierSettings } from './classifier.js';
export * from './domain/index.js';
export * from './policy/index.js';
