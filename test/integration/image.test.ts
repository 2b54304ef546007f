import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from '../../config/projectRoot';

/**
 * The container image as the Dockerfile builds it, where a container runtime is at hand (docker or podman
 * with a working engine); without one the test is reported skipped, naming why. The compiled CLI runs in it,
 * and its worker starts as far as its configuration, which it refuses, naming what is missing.
 */
const RUNTIME = ['docker', 'podman'].find(
  (command) => spawnSync(command, ['info'], { stdio: 'ignore', timeout: 30_000 }).status === 0,
);
const TAG = 'settle:test-image';

const run = (...args: string[]) =>
  spawnSync(RUNTIME!, args, { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 900_000 });

(RUNTIME ? describe : describe.skip)(
  `the container image (${RUNTIME ?? 'skipped: no container runtime, docker or podman'})`,
  () => {
    afterAll(() => {
      run('rmi', '-f', TAG);
    });

    it('builds, runs the compiled CLI, and its worker refuses a missing setting by name', () => {
      const built = run('build', '-t', TAG, '.');
      expect({ status: built.status, stderr: built.stderr.slice(-2000) }).toMatchObject({ status: 0 });

      const help = run('run', '--rm', TAG, 'node', 'dist/cli/main.js', '--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('settle <command> [options]');

      // The default command is the worker: with no settings it stops at once, naming one it needs.
      const worker = run('run', '--rm', TAG);
      expect(worker.status).toBe(1);
      expect(worker.stderr + worker.stdout).toMatch(/invalid configuration:[\s\S]*\(MOM_CLIENT\): required/);
    }, 1_200_000);
  },
);
