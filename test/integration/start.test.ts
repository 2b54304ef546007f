import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../helpers/paths';
import { eventually } from '../helpers/temporal';

/**
 * `npm start` as a user runs it: the embedded dev server, the simulators, worker and API come up, a capture
 * goes through, Ctrl-C stops everything, and after a restart the payment is still in Temporal.
 */
describe('npm start', () => {
  jest.setTimeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'settle-start-'));
  let ports: Record<
    'API_PORT' | 'MIB_SIM_PORT' | 'GATEWAY_SIM_PORT' | 'TEMPORAL_PORT' | 'TEMPORAL_UI_PORT',
    string
  >;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    const [api, mib, gateway, temporal, ui] = await Promise.all([0, 1, 2, 3, 4].map(freePort));
    ports = {
      API_PORT: String(api),
      MIB_SIM_PORT: String(mib),
      GATEWAY_SIM_PORT: String(gateway),
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
    };
  });
  afterAll(async () => {
    if (child && child.exitCode === null) await stop(child);
  });

  async function start(): Promise<ChildProcess> {
    output = '';
    const env: NodeJS.ProcessEnv = { ...process.env, ...ports, SETTLE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete env.TEMPORAL_ADDRESS;
    const started = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
      cwd: PROJECT_ROOT,
      env,
    });
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      async () => (output.includes('Settle is running') ? true : undefined),
      120_000,
      `npm start:\n${output}`,
    );
    return started;
  }

  function stop(process: ChildProcess): Promise<number | null> {
    return new Promise((done) => {
      process.once('exit', (code) => done(code));
      process.kill('SIGINT');
    });
  }

  it('runs a capture, stops cleanly on Ctrl-C, and keeps the payment across a restart', async () => {
    child = await start();
    expect(output).toContain(`API (MIB intake)   http://127.0.0.1:${ports.API_PORT}/mib`);
    expect(output).toContain(`Web UI http://localhost:${ports.TEMPORAL_UI_PORT}`);
    const ui = await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);

    const answer = await fetch(`http://127.0.0.1:${ports.API_PORT}/mib`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: '1',
        method: 'magento.payments.payments_management.capture',
        params: {
          payment: {
            reference: 'PAY-RESTART',
            currency: 'EUR',
            transactions: [{ amount: '12.00', gateway_information: { transaction_id: 'auth_restart' } }],
          },
        },
      }),
    });
    const { result } = (await answer.json()) as { result: { workflow_id: string } };
    await eventually(async () => {
      const response = await fetch(
        `http://127.0.0.1:${ports.MIB_SIM_PORT}/notifications?reference=PAY-RESTART`,
      );
      const received = (await response.json()) as { method: string }[];
      return received.find((n) => n.method.endsWith('.notify_captured'));
    }, 30_000);

    expect(await stop(child)).toBe(0);
    expect(output).toContain('stopping Settle');
    await expect(fetch(`http://127.0.0.1:${ports.API_PORT}/health`)).rejects.toThrow();
    expect(await portIsOpen(Number(ports.TEMPORAL_PORT))).toBe(false);

    child = await start();
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_PORT}` });
    try {
      const client = new Client({ connection });
      const found = await eventually(async () => {
        const list: { workflowId: string; status: { name: string } }[] = [];
        for await (const workflow of client.workflow.list({
          query: 'SettlePaymentReference="PAY-RESTART"',
        })) {
          list.push(workflow);
        }
        return list.length > 0 ? list : undefined;
      });
      expect(found.map((w) => [w.workflowId, w.status.name])).toEqual([[result.workflow_id, 'COMPLETED']]);
    } finally {
      await connection.close();
    }
    expect(await stop(child)).toBe(0);
  });
});

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createServer().listen(port, '127.0.0.1');
    socket.once('listening', () => socket.close(() => done(false)));
    socket.once('error', () => done(true));
  });
}
