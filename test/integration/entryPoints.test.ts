import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { GatewaySimulator } from '../../sim/gateway/server';
import type { MibSimulator } from '../../sim/mib/server';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { runEntryPoint } from '../helpers/processes';
import { freePort } from '../../config/server';
import { startSimulators, type SimulatorsForProcesses } from '../helpers/simulators';
import { createDevServerEnv, eventually } from '../helpers/temporal';

/**
 * `npm run worker` and `npm run api`, the processes a container runs, against a Temporal server they are
 * pointed at: configured from the environment only, logging JSON lines, stopping on SIGTERM.
 */
describe('the worker and API entry points', () => {
  jest.setTimeout(180_000);
  let env: TestWorkflowEnvironment;
  let mibSim: MibSimulator;
  let gatewaySim: GatewaySimulator;
  let simulators: SimulatorsForProcesses;
  let settleEnv: NodeJS.ProcessEnv;
  let apiPort: number;

  beforeAll(async () => {
    env = await createDevServerEnv();
    apiPort = await freePort();
    simulators = await startSimulators(apiPort, { webhookDelayMs: 100 });
    ({ mibSim, gatewaySim } = simulators);
    settleEnv = { ...simulators.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: 'entry-points' };
  });
  afterAll(async () => {
    await simulators?.stop();
    await env?.teardown();
  });

  it('carry a capture from POST /mib to notify_captured, log JSON lines, and stop on SIGTERM', async () => {
    const worker = runEntryPoint('worker/main.ts', settleEnv);
    const api = runEntryPoint('api/main.ts', settleEnv);
    try {
      await worker.waitFor('"message":"worker started"');
      await api.waitFor('"message":"API listening"');
      const answer = await sendMibCommand(
        `http://127.0.0.1:${apiPort}`,
        {
          jsonrpc: '2.0',
          id: 'e-1',
          method: 'magento.payments.payments_management.capture',
          params: {
            payment: {
              reference: 'PAY-ENTRY',
              currency: 'JPY',
              transactions: [{ amount: '1500', gateway_information: { transaction_id: 'auth_e' } }],
            },
          },
        },
        { secret: settleEnv.MIB_INTAKE_SECRET!, auth: 'signature' },
      );
      expect(answer.status).toBe(200);
      const notification = await eventually(async () =>
        mibSim.notifications.find((n) => n.method.endsWith('.notify_captured')),
      );
      expect(notification.params).toMatchObject({ payment: { reference: 'PAY-ENTRY' } });
      expect([...gatewaySim.operations.values()].map((op) => [op.amount, op.currency])).toEqual([
        [1500, 'JPY'],
      ]);
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(await api.stop('SIGTERM')).toBe(0);
    }
    for (const line of [...worker.output().split('\n'), ...api.output().split('\n')]) {
      if (line.startsWith('{'))
        expect(JSON.parse(line)).toEqual(
          expect.objectContaining({ level: expect.any(String), message: expect.any(String) }),
        );
    }
    expect(worker.output()).toContain('"message":"worker stopped"');
    // The secrets the processes were given appear nowhere in what they printed.
    for (const secret of [
      settleEnv.SERVICE_BUS_SECRET!,
      settleEnv.GATEWAY_API_KEY!,
      settleEnv.GATEWAY_WEBHOOK_SECRET!,
    ]) {
      expect(worker.output() + api.output()).not.toContain(secret);
    }
  });

  it('refuse to start with a missing setting, naming it', async () => {
    for (const script of ['worker/main.ts', 'api/main.ts']) {
      const broken = runEntryPoint(script, {
        ...settleEnv,
        GATEWAY_API_KEY: undefined,
        MIB_BASE_URL: 'not-a-url',
      });
      expect(await broken.exited).toBe(1);
      expect(broken.output()).toMatch(/GATEWAY_API_KEY/);
      expect(broken.output()).toMatch(/MIB_BASE_URL/);
    }
  });

  it('the worker refuses a plain-http MIB token URL unless MIB_ALLOW_PLAIN_HTTP allows it', async () => {
    const worker = runEntryPoint('worker/main.ts', { ...settleEnv, MIB_ALLOW_PLAIN_HTTP: undefined });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain('is plain http, which would send the client secret unencrypted');
    expect(worker.output()).toContain('MIB_ALLOW_PLAIN_HTTP=true');
    expect(worker.output()).not.toContain('"message":"worker started"');
  });
});
