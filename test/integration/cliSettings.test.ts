import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mibMethod } from '../../oms/mib/methods';
import type { Stack } from '../../scripts/stack';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { runEntryPoint } from '../helpers/processes';
import { startTestStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';

/**
 * Each `settle` command loads only the settings it uses: `settle payments …` needs the Temporal connection
 * and nothing else (no MIB, provider or operator settings), run as a process on a real dev server.
 */
describe('settle payments with only TEMPORAL_ADDRESS set (dev server)', () => {
  jest.setTimeout(120_000);
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let workflowId: string;

  beforeAll(async () => {
    // A capture becomes stuck after 2 s: the gateway answers pending and holds its webhook for an hour.
    ({ env, stack } = await startTestStack({
      env: { SETTLEMENT_DEADLINES: 'capture=2s', SETTLEMENT_POLL_SCHEDULE: '1h' },
      gateway: { mode: 'pending', webhookDelayMs: 3_600_000 },
    }));
    const answer = await sendMibCommand(
      stack.api.url,
      {
        jsonrpc: '2.0',
        id: 'capture-PAY-CLI-1',
        method: mibMethod('capture'),
        params: {
          payment: {
            reference: 'PAY-CLI-1',
            currency: 'EUR',
            transactions: [
              {
                payment_method: 'card',
                amount: '12.34',
                gateway_information: { gateway_id: 'gateway', transaction_id: 'auth_cli_1' },
              },
            ],
          },
        },
      },
      { secret: stack.config.MIB_INTAKE_SECRET },
    );
    expect(answer.status).toBe(200);
    workflowId = (answer.body as { result: { workflow_id: string } }).result.workflow_id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const settle = async (args: string[]) => {
    const cli = runEntryPoint('cli/main.ts', { PATH: process.env.PATH, TEMPORAL_ADDRESS: env.address }, args);
    const code = await cli.exited;
    return { code, output: cli.output() };
  };

  it('lists the stuck payments and shows one', async () => {
    const listed = await eventually(async () => {
      const run = await settle(['payments', 'list', '--stuck']);
      return run.output.includes(workflowId) ? run : undefined;
    }, 30_000);
    expect(listed.code).toBe(0);
    expect(listed.output).toMatch(
      /^PHASE +OUTCOME +COMMAND +AMOUNT +PROVIDER +STATUS +STARTED +WORKFLOW ID\n/,
    );
    expect(listed.output.trim().split('\n').at(-1)).toBe('1 payment');

    const shown = await settle(['payments', 'show', workflowId]);
    expect(shown.code).toBe(0);
    expect(shown.output).toMatch(/\n {2}command +capture 12\.34 EUR at gateway\n/);
    expect(shown.output).toMatch(/\n {2}phase +stuck: no outcome from the provider by the deadline\n/);
  });

  it('settle register, which needs the MIB settings, names those that are missing and does nothing', async () => {
    const before = stack.mib.sim.registrations.length;
    const { code, output } = await settle(['register']);
    expect(code).toBe(1);
    expect(output).toContain('invalid configuration:\n  mom_client (MOM_CLIENT): required\n');
    expect(output).not.toMatch(/gateway|operator\.token|temporal\./);
    expect(stack.mib.sim.registrations.length).toBe(before);
  });
});
