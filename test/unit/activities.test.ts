import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities';
import { localDefaults } from '../../config';
import { listen, type RunningServer } from '../../config/server';
import { MIB_PAYMENTS_CONTRACT } from '../../oms/mib/methods';
import { NON_RETRYABLE } from '../../domain/failures';
import { commandParamsSchema } from '../../oms/mib/payment';
import { createProviderRegistry } from '../../providers/fromConfig';
import type { ProviderResult } from '../../providers/types';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { createMibSimulator, type MibSimulator } from '../../sim/mib/server';
import { createMibActivities } from '../../oms/mib/activities';
import { createMibClient } from '../../oms/mib/client';
import { createMibReporter } from '../../oms/mib/reporter';
import { MIB_REJECTED } from '../../oms/mib/workflows/registerEndpointMessages';
import { loadSettleConfig, type SettleConfigWithDoors } from '../../oms';

/** The activities against the real simulators over HTTP, in Temporal's mock activity context. */
/** The worker's activities: the core's and the MIB door's. */
type WorkerActivities = Activities & ReturnType<typeof createMibActivities>;

describe('activities', () => {
  let mibSim: MibSimulator;
  let gatewaySim: GatewaySimulator;
  let servers: RunningServer[];
  let activities: WorkerActivities;
  // Failures here are expected; the activity's own failure logs would only be noise.
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => {}) });
  const defaults = localDefaults();
  const workerActivities = (config: SettleConfigWithDoors): WorkerActivities => {
    const mib = createMibClient(config);
    return {
      ...createActivities({
        providers: createProviderRegistry(config),
        reporters: { mib: createMibReporter(mib) },
      }),
      ...createMibActivities(mib),
    };
  };

  beforeAll(async () => {
    mibSim = createMibSimulator({ clientId: defaults.MOM_CLIENT, clientSecret: defaults.SERVICE_BUS_SECRET });
    gatewaySim = createGatewaySimulator({
      apiKey: defaults.GATEWAY_API_KEY,
      webhookSecret: defaults.GATEWAY_WEBHOOK_SECRET,
    });
    servers = [await listen(mibSim.app, 0), await listen(gatewaySim.app, 0)];
    const config = loadSettleConfig(
      localDefaults({ api: 0, mib: servers[0]!.port, gateway: servers[1]!.port }),
    );
    activities = workerActivities(config);
  });

  afterAll(async () => {
    gatewaySim.stop();
    await Promise.all(servers.map((server) => server.close()));
  });

  beforeEach(() => {
    Object.assign(gatewaySim.control, { mode: 'immediate', failNext: 0, declineNext: 0, down: false });
    Object.assign(mibSim.faults, { failNext: 0, failStatus: 503 });
  });

  const command = (key: string, amountMinor = 4990) => ({
    provider: 'gateway',
    command: 'capture' as const,
    transactionId: `auth_${key}`,
    amountMinor,
    currency: 'EUR',
    idempotencyKey: `wf-${key}`,
    workflowId: `wf-${key}`,
  });

  const execute = (input: ReturnType<typeof command>) =>
    env.run(activities.executeProviderCommand, input) as Promise<ProviderResult>;

  describe('executeProviderCommand', () => {
    it('reports an immediate capture as settled', async () => {
      const result = await execute(command('immediate'));
      expect(result).toMatchObject({ outcome: 'settled', status: 'succeeded' });
      expect(gatewaySim.operations.get(result.operationId!)).toMatchObject({ amount: 4990, currency: 'EUR' });
    });

    it('reports a pending capture with the operation id the webhook will name', async () => {
      gatewaySim.control.mode = 'pending';
      gatewaySim.control.webhookDelayMs = 60_000;
      const result = await execute(command('pending'));
      expect(result.outcome).toBe('pending');
      expect(result.operationId).toMatch(/^cap_/);
    });

    it('reports a decline as the outcome declined, with the reason, not as an error', async () => {
      gatewaySim.control.declineNext = 1;
      const result = await execute(command('decline'));
      expect(result).toMatchObject({ outcome: 'declined', status: 'declined', reason: 'insufficient_funds' });
    });

    it('replays the first answer for a retried call: the money moves once', async () => {
      const first = await execute(command('retry'));
      const second = await execute(command('retry'));
      expect(second).toEqual(first);
      const calls = gatewaySim.calls.filter((call) => call.idempotencyKey === 'wf-retry');
      expect(calls.map((call) => call.replayed)).toEqual([false, true]);
    });

    it('reports a request the gateway refuses before acting as declined, with its message', async () => {
      const result = await execute(command('refused', 0));
      expect(result).toEqual({
        outcome: 'declined',
        status: 'rejected',
        reason: 'gateway refused the request (HTTP 400): amount and currency are required',
      });
    });

    it('throws a retryable error on 5xx and 429', async () => {
      for (const control of [
        { failNext: 1, failStatus: 503 },
        { failNext: 1, failStatus: 429 },
      ]) {
        Object.assign(gatewaySim.control, control);
        const error = await env
          .run(activities.executeProviderCommand, command('transient'))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(ApplicationFailure);
        gatewaySim.control.down = false;
      }
    });

    it('reports a lost answer as unknown, and the status API then tells what the gateway did', async () => {
      gatewaySim.control.loseAnswerNext = 1;
      const lost = command('lost-answer');
      expect(await env.run(activities.executeProviderCommand, lost)).toMatchObject({
        outcome: 'unknown',
        status: 'no_answer',
      });
      // The gateway did act: asked for the workflow's operation on the authorization, it shows the capture.
      const found: ProviderResult | undefined = await env.run(activities.fetchProviderStatus, lost);
      expect(found).toMatchObject({
        outcome: 'settled',
        status: 'succeeded',
        operationId: expect.any(String),
      });
      const byId = { ...lost, operationId: found?.operationId };
      expect(await env.run(activities.fetchProviderStatus, byId)).toEqual(found);
    });

    it('reports a gateway that is down as unknown, and the status API then has no record of it', async () => {
      gatewaySim.control.down = true;
      const dropped = command('dropped');
      expect(await env.run(activities.executeProviderCommand, dropped)).toMatchObject({ outcome: 'unknown' });
      const whileDown = await env.run(activities.fetchProviderStatus, dropped).catch((e: unknown) => e);
      expect(whileDown).toBeInstanceOf(Error);
      gatewaySim.control.down = false;
      expect(await env.run(activities.fetchProviderStatus, dropped)).toBeUndefined();
    });

    it('reports a refused API key as a retryable error that names the setting', async () => {
      const config = loadSettleConfig({
        ...localDefaults({ api: 0, mib: servers[0]!.port, gateway: servers[1]!.port }),
        GATEWAY_API_KEY: 'a-revoked-key',
      });
      const misconfigured = workerActivities(config);
      const error = await env
        .run(misconfigured.executeProviderCommand, command('bad-key'))
        .catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(ApplicationFailure);
      expect((error as Error).message).toBe(
        "gateway refused Settle's credentials (HTTP 401): check GATEWAY_API_KEY",
      );
    });

    it('fails non-retryably when the idempotency key comes back with other parameters', async () => {
      await execute(command('mismatch', 100));
      const error = await env
        .run(activities.executeProviderCommand, command('mismatch', 200))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error).toMatchObject({ type: NON_RETRYABLE.providerRejected, nonRetryable: true });
    });
  });

  describe('reportOutcome through the MIB door', () => {
    const NOTIFY_CAPTURED = 'magento.payments.payments_management.notify_captured';
    const payment = commandParamsSchema.parse({
      payment: {
        reference: 'PAY-A',
        currency: 'EUR',
        transactions: [{ amount: '49.90', gateway_information: { transaction_id: 'auth_1' } }],
      },
    }).payment;
    const input = (id: string) => ({
      reportId: id,
      command: 'capture' as const,
      reply: { door: 'mib', context: { payment } },
      result: { provider: 'gateway', outcome: 'settled' as const, operationId: 'cap_1', status: 'succeeded' },
    });

    it('delivers the notification to the delegate URL with an OAuth token', async () => {
      expect(await env.run(activities.reportOutcome, input('n-1'))).toBe(
        'magento.payments.payments_management.notify_captured',
      );
      expect(mibSim.notifications.at(-1)).toMatchObject({
        // The report id of the command's run and the method: the same on every retry.
        id: `n-1:${NOTIFY_CAPTURED}`,
        endpoint: 'custom-payment',
        method: 'magento.payments.payments_management.notify_captured',
        params: { payment: { reference: 'PAY-A' } },
      });
    });

    it('reuses one token while it is valid, and marks a redelivered notification a duplicate at MIB', async () => {
      const issued = mibSim.stats.tokensIssued;
      await env.run(activities.reportOutcome, input('n-dup'));
      await env.run(activities.reportOutcome, input('n-dup'));
      expect(mibSim.stats.tokensIssued).toBe(issued);
      expect(
        mibSim.notifications.filter((n) => n.id === `n-dup:${NOTIFY_CAPTURED}`).map((n) => n.duplicate),
      ).toEqual([false, true]);
    });

    it('fetches a new token once when MIB no longer accepts the cached one', async () => {
      await env.run(activities.reportOutcome, input('n-2'));
      await fetch(`${servers[0]!.url}/_control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ revokeTokens: true }),
      });
      await env.run(activities.reportOutcome, input('n-3'));
      expect(mibSim.notifications.map((n) => n.id)).toContain(`n-3:${NOTIFY_CAPTURED}`);
    });

    it('throws a retryable error while MIB answers 503', async () => {
      mibSim.faults.failNext = 1;
      const error = await env.run(activities.reportOutcome, input('n-4')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ApplicationFailure);
      expect(mibSim.notifications.map((n) => n.id)).not.toContain(`n-4:${NOTIFY_CAPTURED}`);
    });

    it('fails non-retryably when MIB rejects the notification with a 4xx', async () => {
      Object.assign(mibSim.faults, { failNext: 1, failStatus: 400 });
      const error = await env.run(activities.reportOutcome, input('n-5')).catch((e: unknown) => e);
      expect(error).toMatchObject({ type: NON_RETRYABLE.reportRefused, nonRetryable: true });
      expect((error as Error).message).toMatch(/^MIB refused the notification: /);
    });

    it('retries a report for a front door this worker does not have, and sends nothing', async () => {
      const before = mibSim.notifications.length;
      const stray = { ...input('n-6'), reply: { door: 'elsewhere', context: {} } };
      const error = await env.run(activities.reportOutcome, stray).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(ApplicationFailure);
      expect((error as Error).message).toBe('front door "elsewhere" is not configured on this worker');
      expect(mibSim.notifications).toHaveLength(before);
    });
  });

  describe('registerEndpoint', () => {
    const input = { endpointName: 'custom-payment', url: 'https://settle.example/mib' };

    it('registers the endpoint for the payments contract at <base>/<client_id>/ and returns what it sent', async () => {
      const before = mibSim.registrations.length;
      const registration = await env.run(activities.registerEndpoint, input);
      const sent = {
        id: 'custom-payment',
        url: 'https://settle.example/mib',
        contracts: [MIB_PAYMENTS_CONTRACT],
      };
      expect(registration).toEqual(sent);
      expect(mibSim.registrations.slice(before)).toEqual([{ ...sent, receivedAt: expect.any(String) }]);
    });

    it('throws a retryable error while MIB answers 503', async () => {
      const before = mibSim.registrations.length;
      mibSim.faults.failNext = 1;
      const error = await env.run(activities.registerEndpoint, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ApplicationFailure);
      expect(mibSim.registrations.length).toBe(before);
    });

    it('fails non-retryably when MIB rejects the registration (JSON-RPC invalid params)', async () => {
      const error = await env
        .run(activities.registerEndpoint, { ...input, url: 'not a url' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ type: MIB_REJECTED, nonRetryable: true });
      expect((error as Error).message).toMatch(/-32602/);
    });
  });
});
