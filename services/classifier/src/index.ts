// Public entry: the module lets a launcher host this service in-process; domain deciders join it.
export { ClassifierModule } from './classifier.module.js';
export * from './domain/index.js';
export * from './policy/index.js';
