import { execFile } from 'node:child_process';

/**
 * True when a Docker engine answers (not merely a docker client on PATH).
 * SWITCHYARD_DOCKER=0 forces the no-Docker path.
 */
export function dockerEngineAnswers() {
  if (process.env.SWITCHYARD_DOCKER === '0') return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 5000 }, (err, stdout) =>
      resolve(!err && stdout.trim().length > 0),
    );
  });
}
