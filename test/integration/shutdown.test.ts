import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../config/server';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import type { CommandAnswer } from '../../sim/mib/sendCommand';
import { startSlowFront, type Front } from '../helpers/fronts';
import { sendCapture } from '../helpers/momPayments';
import { runEntryPoint, type SettleProcess } from '../helpers/processes';
import { startSimulators, type SimulatorsForProcesses } from '../helpers/simulators';
import { eventually } from '../helpers/temporal';

/**
 * The API as a process (`npm run api`) on a real dev server: SIGTERM drains it (every request in flight is
 * answered, and starts its workflow once), and GET /ready follows Temporal while GET /health does not.
 */
describe('the API shutting down and its readiness', () => {
  jest.setTimeout(240_000);
  let dataDir: string;
  let temporalPort: number;
  let temporal: DevServer;
  let simulators: SimulatorsForProcesses;
  let apiPort: number;
  let apiUrl: string;

  const startTemporal = () =>
    startDevServer({
      dbFile: join(dataDir, 'temporal.db'),
      port: temporalPort,
      logFile: join(dataDir, 'temporal.log'),
    });
  const startApi = (address: string) =>
    runEntryPoint(
      'api/main.ts',
      { ...simulators.env, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: 'shutdown' },
      [],
      { oneProcess: true },
    );

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'settle-shutdown-'));
    [temporalPort, apiPort] = await Promise.all([freePort(), freePort()]);
    apiUrl = `http://127.0.0.1:${apiPort}`;
    temporal = await startTemporal();
    simulators = await startSimulators(apiPort);
  });
  afterAll(async () => {
    await simulators?.stop();
    await temporal?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const capture = (reference: string) =>
    sendCapture(apiUrl, simulators.env.MIB_INTAKE_SECRET!, reference, '5.00');

  it('SIGTERM during 50 POST /mib in flight: each is answered and starts its workflow once', async () => {
    // Temporal answers each call 1.5 s late, so that the requests are still in flight at SIGTERM.
    const slow: Front = await startSlowFront(temporal.address, 1500);
    const api: SettleProcess = startApi(slow.address);
    try {
      await api.waitFor('"message":"API listening"');
      const references = Array.from({ length: 50 }, (_, i) => `PAY-DRAIN-${i}`);
      let answered = 0;
      const answers = references.map((reference) =>
        capture(reference).then((answer) => {
          answered += 1;
          return answer;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(answered).toBe(0);
      const exited = api.stop('SIGTERM');
      await api.waitFor('"message":"API draining"');
      // Draining: no new connection is accepted.
      await expect(fetch(`${apiUrl}/health`)).rejects.toThrow();
      const settled: CommandAnswer[] = await Promise.all(answers);
      expect(settled.map((answer) => answer.status)).toEqual(references.map(() => 200));
      expect(await exited).toBe(0);
      expect(api.output()).toContain('"message":"API stopped"');

      const ids = settled.map(
        (answer) => (answer.body as { result: { workflow_id: string } }).result.workflow_id,
      );
      expect(new Set(ids).size).toBe(50);
      const connection = await Connection.connect({ address: temporal.address });
      try {
        const client = new Client({ connection });
        for (const id of ids) {
          const runs = await eventually(async () => {
            const found = [];
            for await (const run of client.workflow.list({ query: `WorkflowId = '${id}'` })) found.push(run);
            return found.length > 0 ? found : undefined;
          });
          expect(runs).toHaveLength(1);
        }
      } finally {
        await connection.close();
      }
    } finally {
      await api.stop('SIGKILL');
      await slow.close();
    }
  });

  it('GET /ready is 503 while Temporal is stopped and 200 again once it is back; /health stays 200', async () => {
    const api = startApi(temporal.address);
    const probe = async (path: string) => {
      const response = await fetch(`${apiUrl}${path}`, { signal: AbortSignal.timeout(5000) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      await api.waitFor('"message":"API listening"');
      expect(await probe('/ready')).toEqual({
        status: 200,
        body: { status: 'ready', checks: { temporal: { ok: true }, draining: false } },
      });

      await temporal.stop();
      const unready = await eventually(async () => {
        const answer = await probe('/ready');
        return answer.status === 503 ? answer : undefined;
      }, 30_000);
      expect(unready.body).toMatchObject({
        status: 'unready',
        checks: { temporal: { ok: false, error: expect.any(String) }, draining: false },
      });
      expect(await probe('/health')).toEqual({ status: 200, body: { status: 'ok' } });

      temporal = await startTemporal();
      await eventually(async () => ((await probe('/ready')).status === 200 ? true : undefined), 60_000);
    } finally {
      expect(await api.stop('SIGTERM')).toBe(0);
    }
  });
});
