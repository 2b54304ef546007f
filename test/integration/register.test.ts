import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDefaults } from '../../config';
import { MIB_PAYMENTS_CONTRACT } from '../../oms/mib/methods';
import { REGISTRATION_SCHEDULE_ID, registrationWorkflowId } from '../../oms/mib/registration';
import type { Stack } from '../../scripts/stack';
import { runEntryPoint } from '../helpers/processes';
import { startTestStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';

/**
 * `settle register` as a user runs it, a process of its own, against the local stack (MIB simulator,
 * worker, API) on a real dev server, which schedules need: registration now, through MIB outages and a
 * refusal, and the schedule created, updated and triggered.
 */
describe('settle register (dev server)', () => {
  jest.setTimeout(120_000);
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let cliEnv: NodeJS.ProcessEnv;
  let seedParams: { id: string; url: string; contracts: string[] };

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({}));
    const ports = { api: stack.api.port, mib: stack.mib.port, gateway: stack.gateway.port };
    cliEnv = { PATH: process.env.PATH, ...localDefaults(ports), TEMPORAL_ADDRESS: env.address };
    // Seed 001's example message, with Settle's intake as the URL.
    seedParams = {
      id: 'custom-payment',
      url: `http://127.0.0.1:${stack.api.port}/mib`,
      contracts: ['magento.payments.payments_management'],
    };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const settle = async (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const cli = runEntryPoint('cli/main.ts', { ...cliEnv, ...extraEnv }, args);
    const code = await cli.exited;
    return { code, output: cli.output() };
  };
  const registrationsSince = (count: number) => stack.mib.sim.registrations.slice(count);
  const control = (body: object) =>
    fetch(`${stack.mib.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('registers the endpoint with exactly the seed message, through registerEndpointWorkflow', async () => {
    expect(MIB_PAYMENTS_CONTRACT).toBe(seedParams.contracts[0]);
    const before = stack.mib.sim.registrations.length;
    const { code, output } = await settle(['register']);
    expect(output).toContain(`registered with MIB: ${JSON.stringify(seedParams)}`);
    expect(code).toBe(0);
    expect(registrationsSince(before)).toEqual([{ ...seedParams, receivedAt: expect.any(String) }]);
    const run = await stack.temporal.workflow.getHandle(registrationWorkflowId('custom-payment')).describe();
    expect(run).toMatchObject({ type: 'registerEndpointWorkflow', status: { name: 'COMPLETED' } });
    // The operations guide's Web UI query finds it.
    const query = 'WorkflowType="registerEndpointWorkflow"';
    const found = await eventually(async () =>
      (await stack.temporal.workflow.count(query)).count >= 1 ? true : undefined,
    );
    expect(found).toBe(true);
  });

  it('retries while MIB answers 503, reporting each attempt; two at once share one run and register once', async () => {
    const before = stack.mib.sim.registrations.length;
    await control({ failNext: 2, failStatus: 503 });
    const [first, second] = await Promise.all([settle(['register']), settle(['register'])]);
    for (const { code, output } of [first!, second!]) {
      expect(output).toContain('registered with MIB');
      expect(code).toBe(0);
    }
    expect(first!.output + second!.output).toMatch(/attempt \d failed: MIB at .* answered HTTP 503/);
    expect(registrationsSince(before)).toHaveLength(1);
    expect(stack.mib.sim.faults.failNext).toBe(0);
  });

  it('fails visibly when MIB refuses the registration, with exit code 1', async () => {
    const before = stack.mib.sim.registrations.length;
    await control({ failNext: 1, failStatus: 400 });
    const { code, output } = await settle(['register']);
    expect(output).toMatch(/registration failed: MibRejected: MIB at .* answered HTTP 400/);
    expect(output).toContain('settle-register:custom-payment in the Web UI');
    expect(code).toBe(1);
    expect(registrationsSince(before)).toEqual([]);
    const run = await stack.temporal.workflow.getHandle(registrationWorkflowId('custom-payment')).describe();
    expect(run.status.name).toBe('FAILED');
  });

  it('creates the schedule with --every, updates it on the next call, and registers when it fires', async () => {
    const before = stack.mib.sim.registrations.length;
    const schedule = stack.temporal.schedule.getHandle(REGISTRATION_SCHEDULE_ID);
    const intervalMs = async () => (await schedule.describe()).spec.intervals?.map((i) => i.every);

    const created = await settle(['register', '--every', '1h']);
    expect(created.output).toMatch(
      /schedule settle-register-endpoint created: .* every 1h\nnext run: \d{4}-/,
    );
    expect(created.code).toBe(0);
    const described = await schedule.describe();
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'registerEndpointWorkflow',
      workflowId: 'settle-register:custom-payment',
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      args: [{ endpointName: 'custom-payment', url: seedParams.url }],
    });
    expect(await intervalMs()).toEqual([3_600_000]);
    // --every alone only schedules.
    expect(registrationsSince(before)).toEqual([]);

    const updated = await settle(['register', '--every', '2h']);
    expect(updated.output).toContain('schedule settle-register-endpoint updated');
    expect(updated.code).toBe(0);
    expect(await intervalMs()).toEqual([7_200_000]);

    // --schedule takes MIB_REGISTER_EVERY; --wait registers now as well.
    const fromConfig = await settle(['register', '--schedule', '--wait'], { MIB_REGISTER_EVERY: '3h' });
    expect(fromConfig.output).toContain('schedule settle-register-endpoint updated');
    expect(fromConfig.output).toContain('registered with MIB');
    expect(fromConfig.code).toBe(0);
    expect(await intervalMs()).toEqual([10_800_000]);
    expect(registrationsSince(before)).toHaveLength(1);

    const schedules = await eventually(async () => {
      const listed = [];
      for await (const summary of stack.temporal.schedule.list()) listed.push(summary);
      return listed.length > 0 ? listed : undefined;
    });
    expect(schedules.map((s) => [s.scheduleId, s.action?.workflowType])).toEqual([
      [REGISTRATION_SCHEDULE_ID, 'registerEndpointWorkflow'],
    ]);

    await schedule.trigger();
    const fired = await eventually(async () => (registrationsSince(before).length === 2 ? true : undefined));
    expect(fired).toBe(true);
    expect(registrationsSince(before)[1]).toEqual({ ...seedParams, receivedAt: expect.any(String) });
  });

  it('answers a wrong command line with its usage and exit code 2, --help with exit code 0', async () => {
    const before = stack.mib.sim.registrations.length;
    const wrong = [
      [],
      ['frobnicate'],
      ['register', '--evry', '1h'],
      ['register', '--every', 'soon'],
      ['register', 'now'],
    ];
    const answers = await Promise.all(wrong.map((args) => settle(args)));
    answers.forEach(({ code, output }, i) => {
      expect([wrong[i], code]).toEqual([wrong[i], 2]);
      expect(output).toMatch(/Usage: settle (<command>|register)/);
    });
    expect(answers[2]!.output).toContain("Unknown option '--evry'");
    expect(answers[3]!.output).toContain('--every takes a duration such as 24h, 30m or 7d, not "soon"');

    const help = await Promise.all([settle(['--help']), settle(['register', '--help'])]);
    expect(help.map((h) => h.code)).toEqual([0, 0]);
    expect(help[0]!.output).toMatch(/register +register Settle with an OMS/);
    expect(help[1]!.output).toContain(
      'Usage: settle register [--door <door>] [--schedule | --every <duration>] [--wait]',
    );

    const noPublicUrl = await settle(['register'], { PUBLIC_URL: undefined });
    expect(noPublicUrl.output).toContain('PUBLIC_URL is not set');
    expect(noPublicUrl.code).toBe(1);
    expect(registrationsSince(before)).toEqual([]);
  });
});
