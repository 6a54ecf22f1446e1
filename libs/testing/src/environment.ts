// What the test runner (`pnpm test`) or `pnpm infra:up` provisioned, read from the environment.

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run integration tests through \`pnpm test\`, or export the lines printed by \`pnpm infra:up\``);
  }
  return value;
}

export function kafkaBrokers(): string[] {
  return required('KAFKA_BROKERS')
    .split(',')
    .map((b) => b.trim());
}

export function databaseUrl(): string {
  return required('DATABASE_URL');
}
