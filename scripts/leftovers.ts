import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Servers an earlier run left on a data folder (a run ended before the guardian of scripts/processGuard.ts
 * existed, or a server started by hand): found by the folder in their command line, and stopped before a new
 * one starts on it, so that a new start never fails on a broker's duplicate node name, a port or a database
 * still held.
 */

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

/** Every process of the machine, with its whole command line (`ps -ww`: never cut). */
export async function listProcesses(): Promise<ProcessInfo[]> {
  const { stdout } = await promisify(execFile)('ps', ['-ww', '-eo', 'pid=,ppid=,args='], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return match ? [{ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }] : [];
  });
}

/** The processes whose command line names `marker` (a data folder's path), this process and its ancestors aside. */
export async function processesNaming(marker: string): Promise<ProcessInfo[]> {
  const all = await listProcesses();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const ours = new Set<number>();
  for (let pid: number | undefined = process.pid; pid && !ours.has(pid); pid = byPid.get(pid)?.ppid)
    ours.add(pid);
  return all.filter((p) => !ours.has(p.pid) && p.args.includes(marker));
}

/**
 * Stops every process naming `marker`: SIGTERM (each of these servers stops cleanly on it), then SIGKILL to
 * those still there after `graceMs`. Resolves with how many there were.
 */
export async function stopLeftovers(
  marker: string,
  {
    what,
    log = () => {},
    graceMs = 30_000,
  }: { what: string; log?: (line: string) => void; graceMs?: number },
): Promise<number> {
  const found = await processesNaming(marker);
  if (found.length === 0) return 0;
  log(`${what}: stopping ${found.length} process(es) an earlier run left on ${marker}`);
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // It has gone meanwhile.
    }
  };
  for (const { pid } of found) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  const pids = new Set(found.map((p) => p.pid));
  // Listed again rather than probed: an exited process nobody reaps (a zombie) no longer names the folder.
  const remaining = async () => (await processesNaming(marker)).filter((p) => pids.has(p.pid));
  let left = await remaining();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    left = await remaining();
  }
  for (const { pid } of left) signal(pid, 'SIGKILL');
  for (
    const killedBy = Date.now() + 5_000;
    left.length > 0 && Date.now() < killedBy;
    left = await remaining()
  )
    await new Promise((done) => setTimeout(done, 100));
  return found.length;
}
