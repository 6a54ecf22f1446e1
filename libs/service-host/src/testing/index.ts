export { DEV_RUNNER_ARGS, startServiceProcess, type ServiceProcess } from './service-process.js';
