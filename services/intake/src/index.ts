// Public entry: the module lets a launcher host this service in-process; domain deciders join it.
export { IntakeModule } from './intake.module.js';
