import { execFile, spawn } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { guardGroup } from '../processGuard';
import { findOnPath } from '../temporal-binaries';

/**
 * PostgreSQL for the cluster: a data folder of its own, initialized once and started with `pg_ctl`, listening
 * on 127.0.0.1 only. PostgreSQL refuses to run as root, so as root its programs run as the `postgres` user
 * (which Debian's postgresql package creates) through `runuser`.
 */

export const DB_USER = 'temporal';
export const DB_PASSWORD = 'temporal';
const INSTALL_HINT =
  'install PostgreSQL\'s server programs (≥ 12), e.g. "apt-get install postgresql-15", or set PG_BIN to the folder holding initdb and pg_ctl';

export interface Postgres {
  readonly port: number;
  start(): Promise<void>;
  /** Fast shutdown: open connections are cut, committed data stays. */
  stop(): Promise<void>;
  /** Runs SQL as the cluster's database user; resolves with psql's unaligned output. */
  sql(database: string, statement: string): Promise<string>;
  /** The running server's process id (the postmaster, parent of every backend), from its pid file. */
  pid(): number | undefined;
}

/** The folder holding initdb, pg_ctl and psql, or an error that says what to install. */
export function postgresBin(): string {
  const explicit = process.env.PG_BIN;
  if (explicit) {
    if (!existsSync(join(explicit, 'pg_ctl'))) throw new Error(`PG_BIN=${explicit} holds no pg_ctl`);
    return explicit;
  }
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => existsSync(join(debian, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(debian, versions[0], 'bin');
  const onPath = findOnPath('pg_ctl');
  if (onPath && findOnPath('initdb')) return join(onPath, '..');
  throw new Error(`PostgreSQL: no initdb and pg_ctl found. To fix: ${INSTALL_HINT}.`);
}

const asRoot = () => process.getuid?.() === 0;

/** Initializes `dataDir` if it holds no database yet; the caller then starts it. */
export async function preparePostgres(dir: string, port: number): Promise<Postgres> {
  const bin = postgresBin();
  const runuser = asRoot() ? findRunuser() : undefined;
  const dataDir = join(dir, 'postgres');
  const logFile = join(dir, 'postgres.log');
  /** Runs one of PostgreSQL's programs (as postgres when root), in a process group of its own. */
  const run = (program: string, args: string[]) =>
    new Promise<void>((done, fail) => {
      const [command, ...rest] = runuser
        ? [runuser, '-u', 'postgres', '--', join(bin, program), ...args]
        : [join(bin, program), ...args];
      // Detached: the server pg_ctl leaves running must not get the terminal's Ctrl-C (a fast shutdown
      // before the Temporal server has stopped); `npm start` stops it last.
      const child = spawn(command!, rest, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', fail);
      child.once('exit', (code) =>
        code === 0
          ? done()
          : fail(new Error(`PostgreSQL: ${program} ${args.at(-1)} failed: ${stderr.trim()}; see ${logFile}`)),
      );
    });

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // The folders above stay traversable for the postgres user; only the data folder is private.
    mkdirSync(dirname(dataDir), { recursive: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const passwordFile = join(dir, 'postgres.password');
    writeFileSync(passwordFile, `${DB_PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(logFile, '', { flag: 'a' });
    if (asRoot()) {
      const { uid, gid } = await postgresUser(INSTALL_HINT);
      for (const path of [dataDir, passwordFile, logFile]) chownSync(path, uid, gid);
      const can = (test: string, path: string) =>
        promisify(execFile)(runuser!, ['-u', 'postgres', '--', 'test', test, path]).then(
          () => true,
          () => false,
        );
      if (!(await can('-w', dataDir))) {
        // The first folder on the way that the postgres user may not enter, to name it.
        let closed: string | undefined;
        for (const folder of ancestors(dataDir)) if (!closed && !(await can('-x', folder))) closed = folder;
        throw new Error(
          `PostgreSQL: the postgres user cannot reach ${dataDir}${closed ? ` (${closed} is closed to other users)` : ''}. To fix: ${closed ? `chmod o+x ${closed}` : 'make its parent folders searchable (chmod o+x)'}, or set SETTLE_DATA_DIR to a folder it can reach.`,
        );
      }
    }
    // A failed initdb leaves a half-made folder that a next initdb would refuse.
    await run('initdb', [
      '-D',
      dataDir,
      '-U',
      DB_USER,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]).catch((error: Error) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    });
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        '# Settle cluster mode: loopback TCP only, no socket file.',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        'max_connections = 300',
        '',
      ].join('\n'),
    );
  }

  const status = async () =>
    run('pg_ctl', ['-D', dataDir, 'status']).then(
      () => true,
      () => false,
    );
  const pid = () => {
    try {
      return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
    } catch {
      return undefined;
    }
  };
  // pg_ctl leaves the server running as a daemon (its own session); the guardian stops it (SIGINT: a fast
  // shutdown) if this process dies without stopping it.
  let release: (() => void) | undefined;
  return {
    port,
    async start() {
      if (!(await status())) await run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
      const postmaster = pid();
      if (postmaster && !release) release = guardGroup(postmaster, { stopSignal: 'SIGINT', graceMs: 30_000 });
    },
    async stop() {
      if (await status()) await run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      release?.();
      release = undefined;
    },
    async sql(database, statement) {
      const psql = join(bin, 'psql');
      const args = ['-X', '-q', '-tA', '-h', '127.0.0.1', '-p', String(port), '-U', DB_USER, '-d', database];
      const { stdout } = await promisify(execFile)(psql, [...args, '-c', statement], {
        env: { ...process.env, PGPASSWORD: DB_PASSWORD },
      });
      return stdout.trim();
    },
    pid,
  };
}

/** The folders above `path`, from the root down. */
function ancestors(path: string): string[] {
  const above: string[] = [];
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    above.unshift(folder);
    if (dirname(folder) === folder) return above;
  }
}

/** `runuser`, which root needs to run PostgreSQL's programs as postgres; often outside a user's PATH. */
function findRunuser(): string {
  const found =
    findOnPath('runuser') ?? ['/usr/sbin/runuser', '/sbin/runuser'].find((path) => existsSync(path));
  if (!found) throw new Error('PostgreSQL: runuser is missing. To fix: install util-linux.');
  return found;
}

/** The postgres user's ids; as root, PostgreSQL runs as this user. */
async function postgresUser(hint: string): Promise<{ uid: number; gid: number }> {
  const id = (flag: string) =>
    promisify(execFile)('id', [flag, 'postgres']).then(({ stdout }) => Number(stdout.trim()));
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    throw new Error(`PostgreSQL: there is no "postgres" user to run it as root. To fix: ${hint}.`);
  }
}
