// Public entry: the module lets a launcher host this service in-process; domain deciders join it.
export { MeteringModule } from './metering.module.js';
