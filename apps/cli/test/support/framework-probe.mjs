// Module hooks for the module-graph test: registered with `node --import`, they append every
// resolved module that belongs to NestJS or TypeORM, with the module that asked for it, to the
// file named by $FRAMEWORK_PROBE_OUT.
import { register } from 'node:module';

register('./framework-probe-hooks.mjs', import.meta.url);
