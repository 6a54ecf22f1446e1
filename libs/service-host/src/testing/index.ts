export { DEV_RUNNER_ARGS, startServiceProcess, type ServiceProcess } from './service-process.js';
export { callUnary, reflectServer, strictRegistry } from './reflection-client.js';
