import type { CommandAnswer } from '../../sim/mib/sendCommand';
import { startSlowFront, type Front } from '../helpers/fronts';
import { sendCapture } from '../helpers/momPayments';
import { startApi, type SettleProcess } from '../helpers/processes';
import { startProcessStack, type ProcessStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';

/**
 * The API as a process (`npm run api`) on a real dev server: SIGTERM drains it (every request in flight is
 * answered, and starts its workflow once), and GET /ready follows Temporal while GET /health does not.
 */
describe('the API shutting down and its readiness', () => {
  jest.setTimeout(240_000);
  let settle: ProcessStack;

  /** The API on the stack's settings, reaching Temporal at `address`. */
  const startApiAt = (address: string) => startApi({ ...settle.env, TEMPORAL_ADDRESS: address });

  beforeAll(async () => {
    settle = await startProcessStack({ name: 'shutdown' });
  });
  afterAll(async () => {
    await settle?.stop();
  });

  const capture = (reference: string) =>
    sendCapture(settle.apiUrl, settle.env.MIB_INTAKE_SECRET!, reference, '5.00');

  it('SIGTERM during 50 POST /mib in flight: each is answered and starts its workflow once', async () => {
    // Temporal answers each call 1.5 s late, so that the requests are still in flight at SIGTERM.
    const slow: Front = await startSlowFront(settle.temporal.address, 1500);
    const api: SettleProcess = await startApiAt(slow.address);
    try {
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
      await expect(fetch(`${settle.apiUrl}/health`)).rejects.toThrow();
      const settled: CommandAnswer[] = await Promise.all(answers);
      expect(settled.map((answer) => answer.status)).toEqual(references.map(() => 200));
      expect(await exited).toBe(0);
      expect(api.output()).toContain('"message":"API stopped"');

      const ids = settled.map(
        (answer) => (answer.body as { result: { workflow_id: string } }).result.workflow_id,
      );
      expect(new Set(ids).size).toBe(50);
      for (const id of ids) {
        const runs = await eventually(async () => {
          const found = [];
          for await (const run of settle.client.workflow.list({ query: `WorkflowId = '${id}'` }))
            found.push(run);
          return found.length > 0 ? found : undefined;
        });
        expect(runs).toHaveLength(1);
      }
    } finally {
      await api.stop('SIGKILL');
      await slow.close();
    }
  });

  it('GET /ready is 503 while Temporal is stopped and 200 again once it is back; /health stays 200', async () => {
    const api = await startApiAt(settle.temporal.address);
    const probe = async (path: string) => {
      const response = await fetch(`${settle.apiUrl}${path}`, { signal: AbortSignal.timeout(5000) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      expect(await probe('/ready')).toEqual({
        status: 200,
        body: { status: 'ready', checks: { temporal: { ok: true }, draining: false } },
      });

      await settle.temporal.stop();
      const unready = await eventually(async () => {
        const answer = await probe('/ready');
        return answer.status === 503 ? answer : undefined;
      }, 30_000);
      expect(unready.body).toMatchObject({
        status: 'unready',
        checks: { temporal: { ok: false, error: expect.any(String) }, draining: false },
      });
      expect(await probe('/health')).toEqual({ status: 200, body: { status: 'ok' } });

      await settle.temporal.start();
      await eventually(async () => ((await probe('/ready')).status === 200 ? true : undefined), 60_000);
    } finally {
      expect(await api.stop('SIGTERM')).toBe(0);
    }
  });
});
