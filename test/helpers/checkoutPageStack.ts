import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import express, { type Express } from 'express';
import { checkoutPageRoutes } from '../../api/checkoutPage';
import { listen, type RunningServer } from '../../config/server';
import type { CheckoutPageView } from '../../domain/checkout';
import { signCheckoutToken } from '../../domain/checkoutToken';
import { mountRoutes } from '../../http/contract';
import type { PaymentProvider, ProviderEvent } from '../../providers/types';
import { checkoutPageTestWorkflow } from '../fixtures/checkoutPageWorkflow';
import { recordingLogger, type Logged } from './apiEdge';
import { createDevServerEnv } from './temporal';

/**
 * The payment page's routes on a real HTTP server, over a real Temporal dev server where a small test
 * workflow (test/fixtures/checkoutPageWorkflow.ts) answers the page's query as the order's payment workflow
 * does: each test shows the state it needs with `showSignal`.
 */
export interface CheckoutPageStack {
  readonly env: TestWorkflowEnvironment;
  /** The page's server, which tests may add routes to (a shop's success page, a webhook endpoint). */
  readonly app: Express;
  readonly settle: RunningServer;
  readonly logged: Logged[];
  /** A test order showing `shown`, and its page's token (valid an hour). */
  order(shown: CheckoutPageView | undefined): Promise<{ handle: WorkflowHandle; token: string }>;
  stop(): Promise<void>;
}

export async function startCheckoutPageStack(key: string, publicUrl?: string): Promise<CheckoutPageStack> {
  const env = await createDevServerEnv();
  const taskQueue = `checkout-page-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../fixtures/checkoutPageWorkflow'),
  });
  const running = worker.run();
  const logged: Logged[] = [];
  const app = express();
  const settle = await listen(app, 0);
  app.use(
    mountRoutes(
      [
        checkoutPageRoutes({
          temporal: env.client,
          logger: recordingLogger(logged),
          checkoutPage: { publicUrl: publicUrl ?? settle.url, key, ttlMs: 1800_000 },
        }),
      ],
      recordingLogger(logged),
    ),
  );
  return {
    env,
    app,
    settle,
    logged,
    order: async (shown) => {
      const workflowId = `order:test:${randomUUID()}`;
      const handle = await env.client.workflow.start(checkoutPageTestWorkflow, {
        workflowId,
        taskQueue,
        args: [shown],
      });
      return { handle, token: signCheckoutToken(workflowId, inAnHour(), key) };
    },
    stop: async () => {
      await settle.close();
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

export const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

/** An order's page as the order's workflow shows it: 49.90 EUR at the gateway, preparing, unless told. */
export function pageView(fields: Partial<CheckoutPageView> = {}): CheckoutPageView {
  return {
    orderReference: 'DE--1001',
    amountMinor: 4990,
    currency: 'EUR',
    provider: 'gateway',
    state: 'preparing',
    expiresAt: '2030-01-01T12:00:00.000Z',
    returnTo: { successUrl: 'https://shop.example/success', cancelUrl: 'https://shop.example/cancel' },
    ...fields,
  };
}

/**
 * Settle's webhook endpoint as far as a provider's tests need it: `POST path` on `app`, each authentic event
 * read by the adapter (`provider()`, asked at each delivery) collected into `events`.
 */
export function collectWebhooks(
  app: Express,
  path: string,
  provider: () => PaymentProvider,
  events: ProviderEvent[],
): void {
  app.post(path, express.raw({ type: '*/*' }), async (req, res) => {
    const event = await provider().parseWebhook(req.body as Buffer, req.headers);
    if (event) events.push(event);
    res.sendStatus(200);
  });
}
