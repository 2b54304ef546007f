import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { freePort } from '../../config/server';
import { localDefaults } from '../../config';
import { processesNaming } from '../../scripts/leftovers';
import { cacheDir } from '../../scripts/temporal-binaries';
import { sendCapture } from '../helpers/momPayments';
import { PROJECT_ROOT } from '../helpers/paths';
import { eventually } from '../helpers/temporal';

/**
 * `npm start -- --cluster` as the README has a new user run it, in a fresh copy of the repository (no `.data`
 * yet): the broker's setup makes `.data/` first, and PostgreSQL, run as the postgres user when root, must still
 * reach its folder below it; as a normal user, everything runs as that user. The README's capture goes through;
 * then npm and Settle, killed with SIGKILL, leave no process that names the copy: no PostgreSQL, Temporal server
 * or broker. (Ctrl-C's orderly stop is cluster.test.ts's.)
 */

// Fixed ports outside Linux's ephemeral range (the cluster refuses ports within it), apart from the other file's.
const PORTS = {
  TEMPORAL_PORT: 21433,
  TEMPORAL_UI_PORT: 22433,
  CLUSTER_MEMBERSHIP_PORT: 20833,
  CLUSTER_POSTGRES_PORT: 25533,
  API_PORT: 23100,
  MIB_SIM_PORT: 24101,
  GATEWAY_SIM_PORT: 24102,
};

/** Who runs it: as root, root and then a normal user (nobody), who owns the clone; otherwise this user. */
interface User {
  readonly name: string;
  readonly ids?: { readonly uid: number; readonly gid: number };
  /** Added to each port, so that the second run never waits for the first one's ports. */
  readonly offset: number;
}

function users(): User[] {
  if (process.getuid?.() !== 0) return [{ name: 'this user', offset: 0 }];
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return [
    { name: 'root', offset: 0 },
    { name: 'a normal user (nobody)', ids: { uid: id('-u'), gid: id('-g') }, offset: 50 },
  ];
}

describe('npm start -- --cluster in a fresh clone', () => {
  let root: string;
  let npm: ChildProcess | undefined;

  beforeAll(() => {
    // A folder other users may enter, as a clone in a home folder or /srv is: as root, PostgreSQL runs as the
    // postgres user, who must pass through it (mkdtemp makes it private).
    root = mkdtempSync(join(tmpdir(), 'settle-fresh-'));
    chmodSync(root, 0o755);
  });
  const killNpm = () => {
    try {
      if (npm?.pid) process.kill(-npm.pid, 'SIGKILL');
    } catch {
      // The group has ended.
    }
  };
  afterEach(killNpm);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** The repository's files as a clone has them (tracked and new, not ignored), its dependencies and builds linked. */
  function freshCopy(user: User): string {
    const copy = join(root, `settle-${user.offset}`);
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    })
      .split('\0')
      .filter(Boolean);
    for (const file of files) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      // A file deleted in the working tree but still tracked is not there to copy.
      try {
        cpSync(join(PROJECT_ROOT, file), join(copy, file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    // What `npm install` and the first build would make: the dependencies and the cluster's programs.
    symlinkSync(realpathSync(join(PROJECT_ROOT, 'node_modules')), join(copy, 'node_modules'));
    mkdirSync(join(copy, '.cache'));
    symlinkSync(realpathSync(cacheDir()), join(copy, '.cache', 'temporal'));
    // The user's own clone (chown changes the links, not what they lead to).
    if (user.ids) execFileSync('chown', ['-R', `${user.ids.uid}:${user.ids.gid}`, copy]);
    return copy;
  }

  it.each(users())(
    'as $name: comes up with its broker and carries a capture; killed with SIGKILL, it leaves no PostgreSQL, Temporal or RabbitMQ process',
    async (user) => {
      const copy = freshCopy(user);
      const ports = Object.fromEntries(
        Object.entries(PORTS).map(([name, port]) => [name, port + user.offset]),
      );
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
        AMQP_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      };
      if (user.ids) {
        // A home of the user's own, for npm's cache and logs.
        env.HOME = join(root, `home-${user.offset}`);
        mkdirSync(env.HOME);
        chownSync(env.HOME, user.ids.uid, user.ids.gid);
      }
      for (const name of ['TEMPORAL_ADDRESS', 'AMQP_URL', 'SETTLE_DATA_DIR', 'SETTLE_CACHE_DIR'])
        delete env[name];
      // The README's command, in a process group of its own as a terminal's foreground job is.
      npm = spawn('npm', ['start', '--', '--cluster'], {
        cwd: copy,
        env,
        ...user.ids,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((done) => npm!.once('exit', (code) => done(code)));
      await eventually(
        async () => {
          if (npm!.exitCode !== null) throw new Error(`npm start -- --cluster exited:\n${output}`);
          return output.includes('Settle is running') ? true : undefined;
        },
        170_000,
        `npm start -- --cluster:\n${output}`,
      );
      expect(output).toContain(
        `PostgreSQL         127.0.0.1:${ports.CLUSTER_POSTGRES_PORT}   data in ${join(copy, '.data', 'cluster')}`,
      );
      expect(output).toContain(`RabbitMQ           amqp://guest:guest@127.0.0.1:${env.AMQP_PORT}`);

      const reference = 'PAY-FRESH-1';
      const answer = await sendCapture(
        `http://127.0.0.1:${ports.API_PORT}`,
        localDefaults().MIB_INTAKE_SECRET,
        reference,
        '49.90',
      );
      expect(answer.status).toBe(200);
      await eventually(async () => {
        const response = await fetch(
          `http://127.0.0.1:${ports.MIB_SIM_PORT}/notifications?reference=${reference}`,
        );
        const received = (await response.json()) as { method: string }[];
        return received.find((n) => n.method.endsWith('.notify_captured'));
      });

      // Killed as a whole with SIGKILL, as an impatient supervisor does: nothing runs a handler, and the guardian
      // stops PostgreSQL, the Temporal server, the Web UI, the worker, the API and the broker.
      expect((await processesNaming(`${copy}${sep}`)).length).toBeGreaterThanOrEqual(6);
      process.kill(-npm.pid!, 'SIGKILL');
      await exited;
      let left: string[] = [];
      await eventually(
        async () => {
          left = (await processesNaming(`${copy}${sep}`)).map(({ pid, args }) => `${pid} ${args}`);
          return left.length === 0 ? true : undefined;
        },
        60_000,
        'no process naming the copy',
      ).catch(() => expect(left).toEqual([]));
    },
  );
});
