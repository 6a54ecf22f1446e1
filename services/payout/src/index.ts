// Public entry: the module lets a launcher host this service in-process; domain deciders join it.
export { PayoutModule } from './payout.module.js';
