import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { goInstall, resolveBinary, type ResolveOptions } from './temporal-binaries';

/**
 * Helm, which renders and lints the chart in deploy/helm (test/unit/deployments.test.ts). Found like the
 * Temporal binaries: HELM_PATH, PATH, the project's cache, else built with `go install` into the cache (about
 * 2 minutes on 2 cores with a warm module cache, more with a cold one).
 */

export const HELM_VERSION = 'v3.21.4';

const HELM = {
  label: 'Helm',
  envVar: 'HELM_PATH',
  commandName: 'helm',
  cacheEntry: `helm-${HELM_VERSION}`,
  hint: `install Go so that Settle can run "go install helm.sh/helm/v3/cmd/helm@${HELM_VERSION}", or put helm on PATH, or set HELM_PATH`,
  sdkFallback: false,
  async build(dir: string) {
    await goInstall(dir, `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`);
    return 'helm';
  },
};

/** The helm executable's path, building it when needed. */
export async function resolveHelm(options?: ResolveOptions): Promise<string> {
  const resolution = await resolveBinary(HELM, options);
  if (resolution.executable.type !== 'existing-path') throw new Error('helm: nothing found');
  return resolution.executable.path;
}

/** Runs helm with `args`; resolves with what it printed, rejects with its error output. */
export async function runHelm(helm: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(helm, [...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(' ')}: ${(stderr || stdout || (error as Error).message).trim()}`);
  }
}
