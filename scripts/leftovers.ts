import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
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

/**
 * Every process of the machine, with its whole command line: from /proc on Linux (slim images have no `ps`),
 * else from `ps -ww` (never cut).
 */
export async function listProcesses(): Promise<ProcessInfo[]> {
  if (existsSync('/proc/self/cmdline')) return fromProc();
  const { stdout } = await promisify(execFile)('ps', ['-ww', '-eo', 'pid=,ppid=,args='], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return match ? [{ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }] : [];
  });
}

async function fromProc(): Promise<ProcessInfo[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const read = async (pid: string): Promise<ProcessInfo[]> => {
    try {
      const [cmdline, stat] = await Promise.all([
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
        readFile(`/proc/${pid}/stat`, 'utf8'),
      ]);
      // stat: "pid (name) state ppid …"; the name may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      // An exited process nobody has reaped yet (a zombie) has an empty command line.
      const args = cmdline.split('\0').filter(Boolean).join(' ');
      return args ? [{ pid: Number(pid), ppid, args }] : [];
    } catch {
      return []; // It ended meanwhile.
    }
  };
  return (await Promise.all(pids.map(read))).flat();
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
  log(`${what}: stopping ${found.length} process(es) an earlier run left running (found by "${marker}")`);
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
