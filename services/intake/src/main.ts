import { intakeConfigFromEnv } from './config.js';
import { startIntake } from './intake.js';

await startIntake(intakeConfigFromEnv(process.env));
