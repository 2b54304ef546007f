import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { freePort } from '../../config/server';
import { startDevServer } from '../../scripts/devServer';
import { processesNaming } from '../../scripts/leftovers';
import { GUARDIAN_MARK } from '../../scripts/processGuard';
import { startBroker } from '../helpers/broker';
import { PROJECT_ROOT } from '../helpers/paths';
import { runEntryPoint, type SettleProcess } from '../helpers/processes';
import { listening } from '../helpers/listening';
import { eventually } from '../helpers/temporal';

/**
 * Nothing a run starts outlives it, and nothing an earlier run left blocks the next: `npm start` killed with
 * SIGKILL (its whole process group, as an impatient supervisor does) leaves no Temporal or RabbitMQ process; a
 * test run's parent killed with SIGKILL leaves none of the servers the test helpers started; and a broker left
 * running on the data folder (a broker, a dev server) does not stop `npm start` from coming up. A process belongs to a run when its
 * command line names the run's temporary data folder or port, so other runs on the machine are not counted.
 */
describe('servers and their parent', () => {
  jest.setTimeout(120_000);
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.pid) killGroup(child.pid);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'settle-orphans-'));
    dirs.push(dir);
    return dir;
  };

  async function localPorts(): Promise<NodeJS.ProcessEnv> {
    const names = ['API_PORT', 'MIB_SIM_PORT', 'GATEWAY_SIM_PORT', 'SPRYKER_SIM_PORT', 'DEITY_SIM_PORT'];
    const more = ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'AMQP_PORT'];
    const ports = await Promise.all([...names, ...more].map(() => freePort()));
    return Object.fromEntries([...names, ...more].map((name, i) => [name, String(ports[i])]));
  }

  function startEnv(dir: string, ports: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ports, SETTLE_DATA_DIR: dir, LOG_LEVEL: 'warn' };
    delete env.TEMPORAL_ADDRESS;
    delete env.AMQP_URL;
    return env;
  }

  /** The processes naming `marker` in their command line, as "pid args" lines. */
  const naming = async (marker: string) =>
    (await processesNaming(marker)).map(({ pid, args }) => `${pid} ${args}`);

  /** Resolves once no process names `marker`; fails naming those still there. */
  async function noneLeft(marker: string) {
    let left: string[] = [];
    await eventually(
      async () => ((left = await naming(marker)).length === 0 ? true : undefined),
      60_000,
      `no process naming ${marker}; still there:\n${left.join('\n')}`,
    ).catch(() => {
      throw new Error(`processes left naming ${marker}:\n${left.join('\n')}`);
    });
  }

  it('npm start killed with SIGKILL, npm and node at once, leaves no Temporal or RabbitMQ process', async () => {
    const dir = dataDir();
    const ports = await localPorts();
    // The README's command, in a process group of its own that the test kills as a whole.
    const npm = spawn('npm', ['start'], {
      cwd: PROJECT_ROOT,
      env: startEnv(dir, ports),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(npm);
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      async () => (output.includes('Settle is running') ? true : undefined),
      100_000,
      `npm start:\n${output}`,
    );
    // Its dev server (its database in the folder) and its broker (database and logs in the folder) run.
    const servers = await naming(`${dir}${sep}`);
    expect(servers.join('\n')).toContain(`${join(dir, 'temporal.db')}`);
    expect(servers.join('\n')).toContain(`${join(dir, 'rabbitmq')}${sep}`);

    killGroup(npm.pid!);
    await noneLeft(`${dir}${sep}`);
    for (const port of [ports.TEMPORAL_PORT, ports.AMQP_PORT, ports.TEMPORAL_UI_PORT])
      expect(await listening(Number(port))).toBe(false);
  });

  it("a test run's parent killed with SIGKILL leaves none of the servers the test helpers started", async () => {
    const script = join(PROJECT_ROOT, 'test', 'fixtures', 'processes', 'serversThenWait.ts');
    const parent = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: PROJECT_ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(parent);
    let output = '';
    parent.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    parent.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const started = await eventually(
      async () => /^\{.*\}$/m.exec(output)?.[0],
      100_000,
      `the servers of ${script}:\n${output}`,
    );
    const { dev, timeSkipping, brokerDir } = JSON.parse(started) as Record<string, string>;
    dirs.push(brokerDir!);
    const devPort = dev!.split(':')[1]!;
    const testServerPort = timeSkipping!.split(':')[1]!;
    expect(await naming(`--port ${devPort} `)).toHaveLength(1);
    expect(await naming(`TestServer ${testServerPort}`)).toHaveLength(1);
    expect((await naming(`${brokerDir}${sep}`)).length).toBeGreaterThan(0);

    parent.kill('SIGKILL');
    await noneLeft(`--port ${devPort} `);
    await noneLeft(`TestServer ${testServerPort}`);
    await noneLeft(`${brokerDir}${sep}`);
    // The guardian itself is gone too.
    await noneLeft(`${GUARDIAN_MARK} ${parent.pid}`);
    for (const port of [devPort, testServerPort]) expect(await listening(Number(port))).toBe(false);
  });

  it('npm start comes up over a broker and a dev server left running on its data folder, and Ctrl-C to its group stops it all', async () => {
    const dir = dataDir();
    const ports = await localPorts();
    // What an earlier run left: a broker on .data/rabbitmq (its node name taken) and a dev server holding the
    // database, both on ports other than the new start's.
    // freePort never hands out a port twice in a process: these are not the new start's.
    const [brokerPort, serverPort] = await Promise.all([freePort(), freePort()]);
    const [leftover, leftoverServer] = await Promise.all([
      startBroker({ dataDir: join(dir, 'rabbitmq'), port: brokerPort }),
      startDevServer({
        dbFile: join(dir, 'temporal.db'),
        port: serverPort!,
        logFile: join(dir, 'leftover.log'),
      }),
    ]);
    const leftoverPort = Number(leftoverServer.address.split(':')[1]);
    let settle: SettleProcess | undefined;
    try {
      expect(await listening(leftover.port)).toBe(true);
      expect(await listening(leftoverPort)).toBe(true);
      settle = runEntryPoint('scripts/start.ts', startEnv(dir, ports), [], { group: true });
      await settle.waitFor('Settle is running', 100_000);
      expect(settle.output()).toContain('RabbitMQ: stopping');
      expect(settle.output()).toContain('Temporal dev server: stopping');
      expect(settle.output()).toContain(`RabbitMQ           amqp://guest:guest@127.0.0.1:${ports.AMQP_PORT}`);
      expect(await listening(leftover.port)).toBe(false);
      expect(await listening(leftoverPort)).toBe(false);
      expect(await listening(Number(ports.AMQP_PORT))).toBe(true);
      expect(await listening(Number(ports.TEMPORAL_PORT))).toBe(true);

      // A terminal's Ctrl-C reaches the whole foreground group at once; Settle stops in order and exits.
      process.kill(-settle.child.pid!, 'SIGINT');
      expect(await settle.exited).toBe(0);
      expect(settle.output()).toContain('stopping Settle');
      await noneLeft(`${dir}${sep}`);
    } finally {
      if (settle?.child.exitCode === null) killGroup(settle.child.pid!);
      await leftover.stop();
      await leftoverServer.stop();
    }
  });
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // It has gone already.
  }
}
