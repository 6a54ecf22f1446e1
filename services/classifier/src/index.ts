// Public entry: the composition root (to host the service), and the deciders and the tier policy
// loader the CLI replays with.
export { ClassifierModule } from './classifier.module.js';
export { startClassifier, type StartClassifierOptions } from './classifier.js';
export { classifierConfigFromEnv, type ClassifierConfig } from './config.js';
export * from './domain/index.js';
export * from './policy/index.js';
