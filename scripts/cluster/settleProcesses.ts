import { spawnChild, type Child } from './child';

/**
 * Settle's worker and API as separate processes, as `npm run worker` and `npm run api` run them (compiled when
 * this module is, from source through tsx otherwise), each in one process so that a signal reaches it.
 */

export type Role = 'worker' | 'api';

const ENTRY: Record<Role, string> = { worker: '../../worker/main', api: '../../api/main' };

export interface SettleProcess extends Child {
  readonly role: Role;
}

/**
 * Starts one and resolves once `isReady` says so (polled: a worker's poller is seen by the server, an API
 * answers); rejects with its output if it exits first or is not ready in time.
 */
export async function startSettleProcess(
  role: Role,
  name: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  isReady: (child: Child) => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<SettleProcess> {
  const entry = require.resolve(ENTRY[role]);
  const args = entry.endsWith('.js') ? [entry] : ['--import', 'tsx', entry];
  let output = '';
  const child = spawnChild(name, process.execPath, args, {
    env,
    onLine: (line) => {
      if (output.length < 20_000) output += `${line}\n`;
      onLine(line);
    },
  });
  let ended: string | undefined;
  void child.exited.then((end) => (ended = String(end)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problem =
      ended !== undefined
        ? `exited (${ended}) at start`
        : Date.now() > deadline
          ? `was not ready within ${timeoutMs / 1000} s`
          : undefined;
    if (problem) {
      await child.stop('SIGKILL');
      throw new Error(`${name} ${problem}:\n${output}`);
    }
    if (await isReady(child).catch(() => false)) return Object.assign(child, { role });
    await new Promise((done) => setTimeout(done, 250));
  }
}
