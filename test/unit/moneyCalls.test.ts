import { ApplicationFailure } from '@temporalio/common';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ExecuteProviderCommandInput } from '../../activities';
import { listen, type RunningServer } from '../../config/server';
import { NON_RETRYABLE } from '../../domain/failures';
import { LOCAL_ATTEMPT_TIMEOUT_MS, PROVIDER_REQUEST_TIMEOUT_MS } from '../../domain/providerTiming';
import { AdyenProvider } from '../../providers/adyen';
import { GatewayProvider } from '../../providers/gateway';
import { ProviderRegistry } from '../../providers/registry';
import { StripeProvider } from '../../providers/stripe';
import type { ProviderResult } from '../../providers/types';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { startAdyenStandIn, type AdyenStandIn } from '../helpers/adyenStandIn';
import { capturedAuthorization } from '../helpers/gatewaySetUp';
import { authorizationRequest, providerCommand } from '../helpers/providerCommands';

/**
 * Money calls past the provider's memory of their idempotency key, and past Settle's retry limit: the
 * activities against the real gateway simulator and the Adyen stand-in, each attempt at a chosen time of the
 * workflow's clock (Temporal's activity Info).
 */
describe('money calls beyond the idempotency key', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const apiKey = 'key-12345678';
  const adyenCredentials = {
    apiKey: 'AQE-settle-test-key',
    merchantAccount: 'SettleECOM',
    hmacKey: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
  };
  let sim: GatewaySimulator;
  let gateway: RunningServer;
  let adyen: AdyenStandIn;
  let activities: ReturnType<typeof createActivities>;
  const logger = new DefaultLogger('ERROR', () => {});
  /** An attempt of the regular activity `elapsed` ms after its first one. */
  const attemptAfter = (elapsed: number, first = 1_000_000) =>
    new MockActivityEnvironment(
      { scheduledTimestampMs: first, currentAttemptScheduledTimestampMs: first + elapsed } as Partial<Info>,
      { logger },
    );

  beforeAll(async () => {
    sim = createGatewaySimulator({ apiKey, webhookSecret: 'hook-secret-1', control: { mode: 'immediate' } });
    gateway = await listen(sim.app, 0);
    adyen = await startAdyenStandIn({ ...adyenCredentials, control: { webhookDelayMs: 50 } });
    const providers = new ProviderRegistry(
      [
        new GatewayProvider({ baseUrl: gateway.url, apiKey, webhookSecret: 'hook-secret-1' }),
        new AdyenProvider({
          ...adyenCredentials,
          environment: 'test',
          checkoutUrl: adyen.url,
          caFile: adyen.caFile,
        }),
      ],
      'gateway',
    );
    activities = createActivities({ providers, reporters: {}, providerRetryLimitMs: 3 * DAY });
  });
  afterAll(async () => {
    sim.stop();
    await gateway.close();
    await adyen?.stop();
  });
  beforeEach(() => Object.assign(sim.control, { failing: false, loseAnswerNext: 0 }));

  const captured = () => capturedAuthorization(gateway.url, apiKey, 4990);
  const refund = async (): Promise<ExecuteProviderCommandInput> => ({
    provider: 'gateway',
    ...providerCommand('refund', await captured()),
  });
  const refundsOf = (workflowId: string) =>
    [...sim.operations.values()].filter(
      (operation) => operation.object === 'refund' && operation.metadata.workflow_id === workflowId,
    );
  const execute = (env: MockActivityEnvironment, input: ExecuteProviderCommandInput) =>
    env.run(activities.executeProviderCommand, input) as Promise<ProviderResult>;
  const failure = (work: Promise<unknown>) =>
    work.then(
      () => {
        throw new Error('expected a failure');
      },
      (error: unknown) => error,
    );

  it('past 20 hours, asks the gateway first and adopts the refund it made, sending nothing', async () => {
    const input = await refund();
    sim.control.loseAnswerNext = 1;
    expect(await execute(attemptAfter(0), input)).toMatchObject({ outcome: 'unknown' });
    sim.expireIdempotencyKeys(); // as after a day
    const sent = sim.calls.length;
    const adopted = await execute(attemptAfter(21 * HOUR), input);
    expect(adopted).toEqual({
      outcome: 'settled',
      operationId: refundsOf(input.workflowId)[0]!.id,
      status: 'succeeded',
    });
    expect(refundsOf(input.workflowId)).toHaveLength(1);
    expect(sim.calls.length).toBe(sent); // no POST went out
  });

  it('past 20 hours, sends the refund when the gateway has no trace of it', async () => {
    const input = await refund();
    expect(await execute(attemptAfter(21 * HOUR), input)).toMatchObject({ outcome: 'settled' });
    expect(refundsOf(input.workflowId)).toHaveLength(1);
  });

  it('before 20 hours, sends with the key and asks nothing', async () => {
    const input = await refund();
    sim.control.loseAnswerNext = 1;
    await execute(attemptAfter(0), input);
    // The key is still remembered: the second attempt is answered from the first.
    expect(await execute(attemptAfter(19 * HOUR), input)).toMatchObject({ outcome: 'settled' });
    expect(sim.calls.filter((call) => call.idempotencyKey === input.idempotencyKey)).toEqual([
      expect.objectContaining({ replayed: false }),
      expect.objectContaining({ replayed: true }),
    ]);
  });

  it('counts from when the command may first have reached the provider, also in a local attempt', async () => {
    const input = await refund();
    sim.control.loseAnswerNext = 1;
    await execute(attemptAfter(0), input);
    sim.expireIdempotencyKeys();
    // A command sent again after an unknown outcome: a new activity, whose local attempt runs now (askedAt)
    // for a command that started (since) 25 hours ago.
    const local = new MockActivityEnvironment({ isLocal: true } as Partial<Info>, { logger });
    const askedAt = 50 * DAY;
    const result = await execute(local, { ...input, since: askedAt - 25 * HOUR, askedAt });
    expect(result).toMatchObject({ outcome: 'settled', operationId: refundsOf(input.workflowId)[0]!.id });
    expect(refundsOf(input.workflowId)).toHaveLength(1);
  });

  it('retries a failing call until the retry limit, then fails as ProviderRetriesExhausted with the last error', async () => {
    const input = await refund();
    sim.control.failing = true;
    const early = await failure(execute(attemptAfter(2 * DAY), input));
    expect(early).toBeInstanceOf(Error);
    expect(early).not.toBeInstanceOf(ApplicationFailure);
    const late = await failure(execute(attemptAfter(3 * DAY + 1), input));
    expect(late).toBeInstanceOf(ApplicationFailure);
    expect(late).toMatchObject({
      type: NON_RETRYABLE.providerRetriesExhausted,
      nonRetryable: true,
      message: expect.stringMatching(
        /^refund at gateway has failed for .*past WORKER_PROVIDER_RETRY_LIMIT \(3d\); last error: gateway answered HTTP 503/,
      ),
    });
    expect(refundsOf(input.workflowId)).toHaveLength(0);
    // The limit counts the call's own retries: a command that waited 4 days for its turn still gets them.
    const waited = await failure(execute(attemptAfter(0), { ...input, since: 1_000_000 - 4 * DAY }));
    expect(waited).not.toBeInstanceOf(ApplicationFailure);
  });

  it('ends status requests at the retry limit too', async () => {
    const input = await refund();
    sim.control.failing = true;
    const late = await failure(attemptAfter(3 * DAY + 1).run(activities.fetchProviderStatus, input));
    expect(late).toMatchObject({
      type: NON_RETRYABLE.providerRetriesExhausted,
      message: expect.stringMatching(/^a status request about refund at gateway has failed/),
    });
  });

  it('past 20 hours, adopts the authorization a checkout made, holding the money once', async () => {
    const request = { provider: 'gateway', ...authorizationRequest() };
    const made = await attemptAfter(0).run(activities.authorizePayment, request);
    sim.expireIdempotencyKeys();
    expect(await attemptAfter(21 * HOUR).run(activities.authorizePayment, request)).toEqual(made);
    const held = [...sim.authorizations.values()].filter(
      (authorization) => authorization.metadata?.workflow_id === request.workflowId,
    );
    expect(held).toHaveLength(1);
  });

  it('never sends again to a provider that cannot be asked, past its key memory (Adyen: 31 days)', async () => {
    const psp = adyen.authorise();
    const input = { provider: 'adyen', ...providerCommand('refund', psp) };
    const before = adyen.modifications.length;
    const error = await failure(execute(attemptAfter(30 * DAY), input));
    expect(error).toMatchObject({
      type: NON_RETRYABLE.providerRetriesExhausted,
      message: expect.stringMatching(
        /^refund at adyen may have reached adyen 720h ago; it keeps an idempotency key for 31d and has no API to find the operation/,
      ),
    });
    expect(adyen.modifications.length).toBe(before);
    // Within its memory the call goes out as ever.
    expect(await execute(attemptAfter(DAY), input)).toMatchObject({ outcome: 'pending' });
  });
});

describe('the local attempt and the provider clients', () => {
  it('gives up on a provider request before the local attempt gives up on it', () => {
    expect(LOCAL_ATTEMPT_TIMEOUT_MS).toBeGreaterThan(PROVIDER_REQUEST_TIMEOUT_MS);
    const stripe = new StripeProvider({ apiKey: 'sk_test_x', webhookSecret: 'whsec_x', timeoutMs: 120_000 });
    const client = (stripe as unknown as { stripe: { getApiField(name: string): number } }).stripe;
    expect(client.getApiField('timeout')).toBe(PROVIDER_REQUEST_TIMEOUT_MS);
    const shorter = new StripeProvider({ apiKey: 'sk_test_x', webhookSecret: 'whsec_x', timeoutMs: 5_000 });
    expect((shorter as unknown as { stripe: typeof client }).stripe.getApiField('timeout')).toBe(5_000);
    const gateway = (requestTimeoutMs?: number) =>
      new GatewayProvider({
        baseUrl: 'http://127.0.0.1:1',
        apiKey: 'k',
        webhookSecret: 's',
        requestTimeoutMs,
      });
    expect(gateway().timeoutMs).toBe(PROVIDER_REQUEST_TIMEOUT_MS);
    expect(gateway(120_000).timeoutMs).toBe(PROVIDER_REQUEST_TIMEOUT_MS);
    expect(gateway(300).timeoutMs).toBe(300);
    const adyen = new AdyenProvider({
      apiKey: 'k',
      merchantAccount: 'm',
      hmacKey: '00',
      environment: 'test',
      timeoutMs: 120_000,
    });
    const config = (
      adyen as unknown as { checkout: { client: { config: { connectionTimeoutMillis: number } } } }
    ).checkout.client.config;
    expect(config.connectionTimeoutMillis).toBe(PROVIDER_REQUEST_TIMEOUT_MS);
  });
});
