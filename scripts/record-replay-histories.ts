import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { PAGE_EXPIRED_REASON } from '../domain/checkout';
import { type PaymentCommand } from '../domain/commands';
import { authorizeWorkflowId, orderPaymentWorkflowId } from '../domain/orderPayment';
import { freePort } from '../config/server';
import { mibMethod } from '../oms/mib/methods';
import type { Announcement } from '../oms/spryker/announce';
import { tenantWorkflowId } from '../oms/spryker/connections';
import { ANNOUNCE_WORKFLOW_ID, mailboxId, SPRYKER_DOOR } from '../oms/spryker/door';
import { droppedMessageWorkflowId, type DroppedMessage } from '../oms/spryker/drops';
import { payOnPage, type CustomerChoice } from '../sim/customer';
import { sendMibCommand } from '../sim/mib/sendCommand';
import { OMS_STATES } from '../sim/spryker/oms';
import { connectTenant } from '../sim/spryker/appStore';
import { createBusClient } from '../sim/spryker/bus';
import { commandAttributes, serializeMessage } from '../sim/spryker/messageBroker';
import type { ShopOrder } from '../sim/spryker/orders';
import { createSprykerShopSimulator, type SprykerShopSimulator } from '../sim/spryker/server';
import { installRuntime } from '../worker/runtime';
import { waitingQuery } from '../oms/spryker/workflows/mailboxMessages';
import { tenantConnectionQuery } from '../oms/spryker/workflows/tenantMessages';
import { orderPaymentQuery } from '../workflows/orderPaymentMessages';
import { type PaymentCommandResult } from '../workflows/paymentCommand';
import { resolveUpdate, statusQuery } from '../workflows/messages';
import { createDevServerEnv } from './ephemeralTemporal';
import { startStack, type Stack } from './stack';

/**
 * `npm run record:replay`: runs each main path of the payment workflow on a fresh dev server, through the
 * real API, worker and simulators, and writes its history to test/replay/histories/<name>.json. The replay
 * test then checks that today's workflow code still replays every recorded path. A command's turn at the
 * provider (a child workflow) is written beside it as <name>--turn.json. A Spryker order (checkout, a partial
 * capture, a refund, the rest cancelled, driven by the shop simulator) is written as <name>--order.json, with
 * its tenant's payment-events mailbox (<name>--mailbox.json) and its capture (<name>--capture.json); the
 * order's workflow and the mailbox are long-lived, so their histories are of running workflows, as a worker
 * replays them after a restart. A Spryker order checked out on the payment page, its customer passing 3-D Secure
 * (spryker-order-paid-on-page: its order, which acts for it, and its authorize command), a page its customer
 * abandoned until it expired (spryker-page-expired--authorize), the tenant's connection
 * (spryker-tenant-connected) and a command for an order Settle does not know, dropped
 * (spryker-message-dropped). `settle register --door spryker`'s announcement is announce-payment-methods.json.
 * Each history keeps, in its start event, the workflow id it ran under, which the replay test replays it
 * under: workflow code derives ids from its own.
 *
 * `npm run record:replay -- <word>…` records only the paths whose name contains one of the words (e.g.
 * `-- spryker announce`), leaving the other histories as they are. Until the first tagged release a workflow
 * change re-records them all; from then on, a change that alters a recorded path is patched and the histories
 * of the released paths are kept (CONTRIBUTING.md).
 */

const OUT = resolve(__dirname, '..', 'test', 'replay', 'histories');
/** Where the gateway's webhooks go when a path must be found by polling: nowhere. */
const NO_WEBHOOKS = 'http://127.0.0.1:9/webhooks-never-arrive';

/** The Spryker shop whose order and mailbox are recorded. */
const SPRYKER_TENANT = 'replay-shop';
const SPRYKER_TOKEN = 'replay-shop-token-0001';
/** The shop's storefront, where the payment page sends its customer back: the customer stops there. */
const STOREFRONT = 'https://shop.example';
/** What the Spryker orders buy: two items and their shipment, 55.00 EUR. */
const BASKET = {
  currency: 'EUR',
  items: [
    { sku: 'A', unitPrice: 3000 },
    { sku: 'B', unitPrice: 2000 },
  ],
  expenses: [{ type: 'SHIPMENT_EXPENSE_TYPE', name: 'Standard', unitPrice: 500 }],
};
/** How long a payment page stays open: short, so that an abandoned one expires while the recorder waits. */
const CHECKOUT_PAGE_TTL_S = 15;

type GatewayControl = Stack['gateway']['sim']['control'];
type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** What a recording runs against: the stack, and the Spryker tenant's shop, connected on first use. */
interface Run {
  readonly stack: Stack;
  readonly shop: () => Promise<SprykerShopSimulator>;
}

/** One recorded path: the name its files start with, and how it is run and recorded. */
interface Recording {
  readonly name: string;
  readonly record: (run: Run, name: string) => Promise<void>;
}

interface Scenario {
  readonly name: string;
  readonly command: PaymentCommand;
  readonly gateway: Partial<GatewayControl>;
  /** Runs before the command (e.g. the capture a refund needs). */
  readonly before?: (stack: Stack, reference: string) => Promise<void>;
  /** Runs while the command waits (e.g. an operator's resolution). */
  readonly during?: (handle: WorkflowHandle) => Promise<void>;
  /** The notification the run must end with, so that a history is never recorded under the wrong name. */
  readonly notification: string;
}

const BASELINE: Partial<GatewayControl> = {
  mode: 'pending',
  webhookDelayMs: 300,
  failNext: 0,
  declineNext: 0,
  loseAnswerNext: 0,
  answerDelayMs: 0,
};

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'capture-settled-by-webhook',
    command: 'capture',
    gateway: {},
    notification: 'notify_captured',
  },
  {
    name: 'refund-settled-by-polling',
    command: 'refund',
    before: (stack, reference) => send(stack, 'capture', reference),
    gateway: { webhookDelayMs: 200, webhookUrl: NO_WEBHOOKS },
    notification: 'notify_refunded',
  },
  {
    name: 'capture-declined',
    command: 'capture',
    gateway: { mode: 'immediate', declineNext: 1 },
    notification: 'notify_capture_failed',
  },
  {
    name: 'cancel-stuck-then-resolved',
    command: 'cancel',
    gateway: { webhookDelayMs: 3_600_000, webhookUrl: NO_WEBHOOKS },
    during: async (handle) => {
      await until(async () => (await handle.query(statusQuery)).phase === 'stuck');
      await handle.executeUpdate(resolveUpdate, {
        args: [
          { outcome: 'settled', reason: 'hold released, seen in the bank statement', operator: 'recorder' },
        ],
      });
    },
    notification: 'notify_cancelled',
  },
  {
    name: 'capture-retried-through-outage',
    command: 'capture',
    gateway: { failNext: 2, failStatus: 503 },
    notification: 'notify_captured',
  },
  {
    name: 'cancel-waiting-for-capture',
    command: 'cancel',
    // A capture of the same payment is still in flight at the gateway: the cancel waits for its turn, then
    // finds the authorization captured, which a cancel cannot release.
    before: async (stack, reference) => {
      stack.gateway.sim.control.answerDelayMs = 800;
      const key = await start(stack, 'capture', reference);
      await until(async () => stack.gateway.sim.calls.some((call) => call.idempotencyKey.includes(key)));
    },
    gateway: { mode: 'immediate' },
    notification: 'notify_cancellation_failed',
  },
  {
    name: 'capture-answer-lost-then-found',
    command: 'capture',
    gateway: { mode: 'immediate', loseAnswerNext: 1 },
    notification: 'notify_captured',
  },
];

async function main() {
  const words = process.argv.slice(2);
  const chosen = RECORDINGS.filter(
    ({ name }) => words.length === 0 || words.some((word) => name.includes(word)),
  );
  if (chosen.length === 0) {
    throw new Error(
      `no path is named for ${words.join(' or ')}: ${RECORDINGS.map(({ name }) => name).join(', ')}`,
    );
  }
  installRuntime('ERROR', { handleSignals: false });
  mkdirSync(OUT, { recursive: true });
  const env = await createDevServerEnv();
  const stack = await startStack({
    address: env.address,
    // The payment page's links carry the API's public URL: its port is chosen before it listens.
    ports: { api: await freePort() },
    // Polling every second, a cancel deadline of 2 s and a short-lived payment page, so that each path takes
    // seconds, not days.
    env: {
      LOG_LEVEL: 'error',
      SETTLEMENT_POLL_SCHEDULE: '1s',
      SETTLEMENT_DEADLINES: 'cancel=2s',
      CHECKOUT_PAGE_TTL: `${CHECKOUT_PAGE_TTL_S}s`,
      SPRYKER_TENANTS: `${SPRYKER_TENANT}=${SPRYKER_TOKEN}`,
    },
  });
  const webhookUrl = stack.gateway.sim.control.webhookUrl;
  let shop: Promise<SprykerShopSimulator> | undefined;
  const run: Run = { stack, shop: () => (shop ??= connectShop(stack)) };
  try {
    for (const recording of chosen) {
      Object.assign(stack.gateway.sim.control, BASELINE, { webhookUrl });
      await recording.record(run, recording.name);
    }
  } finally {
    await shop?.then(
      (connected) => connected.stop(),
      () => undefined,
    );
    await stack.stop();
    await env.teardown();
  }
}

/** A MIB command on a payment, and its turn at the provider. */
async function recordScenario(stack: Stack, scenario: Scenario): Promise<void> {
  const { webhookUrl } = stack.gateway.sim.control;
  const reference = `REPLAY-${scenario.name}`;
  Object.assign(stack.gateway.sim.control, { mode: 'immediate' });
  await scenario.before?.(stack, reference);
  Object.assign(stack.gateway.sim.control, BASELINE, { webhookUrl }, scenario.gateway);
  const workflowId = await start(stack, scenario.command, reference);
  const handle = stack.temporal.workflow.getHandle(workflowId);
  await scenario.during?.(handle);
  const { reported: notification } = (await handle.result()) as PaymentCommandResult;
  if (notification !== mibMethod(scenario.notification))
    throw new Error(`${scenario.name} ended with ${notification}, not ${scenario.notification}`);
  const history = await handle.fetchHistory();
  record(scenario.name, workflowId, history);
  await recordTurns(stack, scenario.name, history);
}

/**
 * A command's turns at the provider, child workflows with histories of their own: <name>--turn.json (numbered
 * when there are several). Answers how many there were.
 */
async function recordTurns(stack: Stack, name: string, history: History): Promise<number> {
  const turns = (history.events ?? []).flatMap((event) => {
    const started = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    return started?.workflowId ? [{ workflowId: started.workflowId, runId: started.runId ?? undefined }] : [];
  });
  for (const [index, { workflowId, runId }] of turns.entries()) {
    const turnHandle = stack.temporal.workflow.getHandle(workflowId, runId);
    record(
      `${name}--turn${turns.length > 1 ? `-${index + 1}` : ''}`,
      workflowId,
      await turnHandle.fetchHistory(),
    );
  }
  return turns.length;
}

/**
 * The tenant's shop, connected as Spryker's ACP registry does it: until its shop has Settle's app config, it
 * fetches no event. One shop serves every Spryker recording, so that the tenant is configured once.
 */
async function connectShop(stack: Stack): Promise<SprykerShopSimulator> {
  const shop = createSprykerShopSimulator({
    settleUrl: stack.api.url,
    tenant: SPRYKER_TENANT,
    token: SPRYKER_TOKEN,
    mode: 'event',
    pollIntervalMs: 0,
    shopUrl: STOREFRONT,
  });
  try {
    await connectTenant({ settleUrl: stack.api.url, tenant: SPRYKER_TENANT, token: SPRYKER_TOKEN });
    await until(async () => {
      await shop.pollOnce();
      return shop.appConfigs().some((config) => config.isActive === true);
    }, 60_000);
    return shop;
  } catch (error) {
    await shop.stop();
    throw error;
  }
}

/**
 * A Spryker order, as its shop drives it: authorized at checkout, one item captured (with the expenses), that
 * item refunded, the rest cancelled. Records the order's workflow, the tenant's payment-events mailbox and
 * the capture's command workflow. The first of the tenant's orders: its mailbox holds this order's events only.
 */
async function recordSprykerOrder({ stack, shop: connected }: Run, name: string): Promise<void> {
  const orderReference = 'DE--REPLAY-1';
  const shop = await connected();
  const placed = await shop.placeOrder({
    orderReference,
    // A direct checkout: the shop sends its payment method token.
    paymentMethodToken: 'tok_visa',
    ...BASKET,
  });
  if ('ok' in placed || !(placed.initialize as { body?: { isSuccessful?: boolean } })?.body?.isSuccessful)
    throw new Error(`${name}: checkout did not authorize the order: ${JSON.stringify(placed)}`);
  const [a, b] = placed.items.map((item) => item.id) as [number, number];
  const S = OMS_STATES;
  await reach(shop, orderReference, { [a]: S.authorized, [b]: S.authorized });
  for (const [operation, item, state] of [
    ['capture', a, S.captured],
    ['refund', a, S.refundSucceeded],
    ['cancel', b, S.cancelled],
  ] as const) {
    const result = await shop.operate(orderReference, operation, [item]);
    if (!result.ok) throw new Error(`${name}: the shop could not ${operation}: ${JSON.stringify(result)}`);
    await reach(shop, orderReference, { [item]: state });
  }
  const events = shop.orders.get(orderReference)!.events.map((event) => event.name);
  expectPath(name, 'the shop heard', events, [
    'PaymentAuthorized',
    'PaymentCaptured',
    'PaymentRefunded',
    'PaymentCanceled',
  ]);

  const order = stack.temporal.workflow.getHandle(
    orderPaymentWorkflowId({ door: SPRYKER_DOOR, tenant: SPRYKER_TENANT, orderReference }),
  );
  const state = await order.query(orderPaymentQuery);
  const commands = Object.values(state.commands);
  expectPath(
    name,
    'the order holds',
    commands.map(({ command, state }) => `${command} ${state}`),
    ['authorize settled', 'capture settled', 'refund settled', 'cancel settled'],
  );
  const orderHistory = await order.fetchHistory();
  expectPath(name, "the order's updates", updatesIn(orderHistory), [
    'openCheckout',
    ...times(3, 'admitCommand'),
    ...times(4, 'recordOutcome'),
  ]);
  expectPath(name, 'the commands the order started', [commandStartsIn(orderHistory)], [commands.length]);
  record(`${name}--order`, order.workflowId, orderHistory);

  // Every event was posted (a signal), then fetched and acknowledged (an update): the mailbox waits for the next.
  const mailbox = stack.temporal.workflow.getHandle(mailboxId(SPRYKER_TENANT, 'payment-events'));
  expectPath(
    name,
    'the mailbox still holds',
    (await mailbox.query(waitingQuery, 100)).map(({ id }) => id),
    [],
  );
  const mailboxHistory = await mailbox.fetchHistory();
  expectPath(name, "the mailbox's messages", updatesIn(mailboxHistory), [
    ...times(4, 'signal post'),
    ...times(4, 'acknowledge'),
  ]);
  record(`${name}--mailbox`, mailbox.workflowId, mailboxHistory);

  const authorize = stack.temporal.workflow.getHandle(
    commands.find(({ command }) => command === 'authorize')!.workflowId,
  );
  expectPath(
    name,
    'the authorize reported',
    [((await authorize.result()) as PaymentCommandResult).reported],
    ['PaymentAuthorized'],
  );
  record(`${name}--authorize`, authorize.workflowId, await authorize.fetchHistory());

  const capture = stack.temporal.workflow.getHandle(
    commands.find(({ command }) => command === 'capture')!.workflowId,
  );
  const { reported } = (await capture.result()) as PaymentCommandResult;
  expectPath(name, 'the capture reported', [reported], ['PaymentCaptured']);
  record(`${name}--capture`, capture.workflowId, await capture.fetchHistory());
}

/**
 * A Spryker order checked out on the payment page (page mode: the shop sends no payment method token), its
 * customer playing `choice` on it until they are back at the shop. Answers the order and where the customer
 * ended.
 */
async function checkoutOnPage(
  { stack, shop }: Run,
  name: string,
  orderReference: string,
  choice: CustomerChoice,
): Promise<{ order: ShopOrder; backAt: string }> {
  const placed = await (await shop()).placeOrder({ orderReference, ...BASKET });
  if ('ok' in placed || !placed.redirectUrl?.startsWith(`${stack.config.PUBLIC_URL}/pay/`))
    throw new Error(`${name}: checkout did not answer Settle's payment page: ${JSON.stringify(placed)}`);
  const { finalUrl } = await payOnPage(placed.redirectUrl, {
    choice,
    stopAt: (url) => url.startsWith(STOREFRONT),
    // An abandoned page refreshes itself until it expires.
    patienceMs: CHECKOUT_PAGE_TTL_S * 1000 + 60_000,
  });
  return { order: placed, backAt: finalUrl };
}

/** The Spryker order's payment workflow, and its authorize command's. */
function orderHandles(stack: Stack, orderReference: string) {
  const order = stack.temporal.workflow.getHandle(
    orderPaymentWorkflowId({ door: SPRYKER_DOOR, tenant: SPRYKER_TENANT, orderReference }),
  );
  return { order, authorize: stack.temporal.workflow.getHandle(authorizeWorkflowId(order.workflowId)) };
}

/** The events the shop has heard about the order, once it has heard `count`. */
async function heard(shop: SprykerShopSimulator, orderReference: string, count: number): Promise<string[]> {
  const names = () => shop.orders.get(orderReference)?.events.map((event) => event.name) ?? [];
  await until(async () => {
    await shop.pollOnce();
    return names().length >= count;
  }, 60_000);
  return names();
}

/**
 * A Spryker order paid on the payment page, with 3-D Secure: the order opens the gateway's checkout session for
 * its authorize command and tells it the answer, the customer pays on the card form and passes the challenge,
 * and the gateway's webhook (the provider's event, a signal) settles the authorize. Records the order and the
 * authorize.
 */
async function recordSprykerPagePaid(run: Run, name: string): Promise<void> {
  const { stack } = run;
  const orderReference = 'DE--REPLAY-PAGE';
  const { order: placed, backAt } = await checkoutOnPage(run, name, orderReference, 'challenge-pass');
  expectPath(name, 'the customer came back to', [backAt], [`${STOREFRONT}/en/payment/order-success`]);
  const shop = await run.shop();
  await reach(
    shop,
    orderReference,
    Object.fromEntries(placed.items.map(({ id }) => [id, OMS_STATES.authorized])),
  );
  expectPath(name, 'the shop heard', await heard(shop, orderReference, 1), ['PaymentAuthorized']);

  const { order, authorize } = orderHandles(stack, orderReference);
  const state = await order.query(orderPaymentQuery);
  expectPath(
    name,
    'the order holds',
    Object.values(state.commands).map(({ command, state }) => `${command} ${state}`),
    ['authorize settled'],
  );
  const orderHistory = await order.fetchHistory();
  expectPath(name, "the order's updates", updatesIn(orderHistory), ['openCheckout', 'recordOutcome']);
  expectPath(name, 'the commands the order started', [commandStartsIn(orderHistory)], [1]);
  record(`${name}--order`, order.workflowId, orderHistory);

  expectPath(
    name,
    'the authorize reported',
    [((await authorize.result()) as PaymentCommandResult).reported],
    ['PaymentAuthorized'],
  );
  const authorizeHistory = await authorize.fetchHistory();
  // Settled by the webhook, not found by a status check: the provider's event came before the report.
  const steps = stepsIn(authorizeHistory);
  expectPath(
    name,
    'the authorize heard before its report',
    steps.slice(0, steps.indexOf('activity reportOutcome')).filter((step) => step.startsWith('signal ')),
    ['signal providerEvent'],
  );
  record(`${name}--authorize`, authorize.workflowId, authorizeHistory);
  // Its order acted for it: the authorize takes no turn of its own.
  expectPath(name, "the authorize's turns", [await recordTurns(stack, name, authorizeHistory)], [0]);
}

/**
 * A Spryker order whose customer left the page's 3-D Secure challenge: the gateway's session stays open, the
 * page refreshes, and at its expiry the authorize asks the gateway, closes the session and declines with the
 * page-expired reason (no provider event: its one signal is its order's answer, the session); the shop hears PaymentAuthorizationFailed and its customer is sent
 * to its cancel page. Records the authorize.
 */
async function recordSprykerPageExpired(run: Run, name: string): Promise<void> {
  const orderReference = 'DE--REPLAY-EXPIRED';
  const { backAt } = await checkoutOnPage(run, name, orderReference, 'challenge-abandon');
  expectPath(
    name,
    'the customer came back to',
    [backAt],
    [`${STOREFRONT}/en/payment/order-cancel?orderReference=${orderReference}`],
  );
  expectPath(name, 'the shop heard', await heard(await run.shop(), orderReference, 1), [
    'PaymentAuthorizationFailed',
  ]);
  const { order, authorize } = orderHandles(run.stack, orderReference);
  const { authorization } = await order.query(orderPaymentQuery);
  expectPath(
    name,
    "the order's authorization",
    [authorization?.outcome, authorization?.reason],
    ['declined', PAGE_EXPIRED_REASON],
  );
  const { outcome, reported } = (await authorize.result()) as PaymentCommandResult;
  expectPath(name, 'the authorize reported', [outcome, reported], ['declined', 'PaymentAuthorizationFailed']);
  const history = await authorize.fetchHistory();
  expectPath(
    name,
    "the authorize's messages and session closings",
    stepsIn(history).filter(
      (step) => !step.startsWith('activity ') || step === 'activity closeCheckoutSession',
    ),
    ['activity closeCheckoutSession'],
  );
  record(`${name}--authorize`, authorize.workflowId, history);
}

/** The tenant's connection, configured once through `/private/configure` and announced to its shop. */
async function recordSprykerTenant({ stack, shop }: Run, name: string): Promise<void> {
  await shop();
  const tenant = stack.temporal.workflow.getHandle(tenantWorkflowId(SPRYKER_TENANT));
  const connection = await tenant.query(tenantConnectionQuery);
  expectPath(name, 'the tenant is', [connection?.status, connection?.isActive], ['NEW', true]);
  const history = await tenant.fetchHistory();
  expectPath(name, "the tenant's steps", stepsIn(history), [
    'configureTenant',
    'activity announceSprykerAppConfig',
  ]);
  record(name, tenant.workflowId, history);
}

/** A capture for an order Settle does not know, from a connected tenant: taken, and dropped with a record. */
async function recordSprykerDrop({ stack, shop }: Run, name: string): Promise<void> {
  await shop();
  const orderReference = 'DE--REPLAY-UNKNOWN';
  const bus = createBusClient({ settleUrl: stack.api.url, tenant: SPRYKER_TENANT, token: SPRYKER_TOKEN });
  const answer = await bus.send(
    'payment-commands',
    serializeMessage({
      orderReference,
      orderItemIds: [7],
      amount: 1000,
      currencyIsoCode: 'EUR',
      messageAttributes: commandAttributes('CapturePayment', SPRYKER_TENANT, SPRYKER_TOKEN),
    }),
  );
  const messageId = (answer.body as { MessageId?: string } | null)?.MessageId;
  if (answer.status !== 200 || !messageId)
    throw new Error(`${name}: the bus answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const dropped = stack.temporal.workflow.getHandle(droppedMessageWorkflowId(SPRYKER_TENANT, messageId));
  const { reason, orderReference: of } = (await dropped.result()) as DroppedMessage;
  expectPath(name, 'the record says', [reason, of], ['unknown-order', orderReference]);
  record(name, dropped.workflowId, await dropped.fetchHistory());
}

/** `settle register --door spryker`: the workflow it starts, as it starts it, announcing to the tenant. */
async function recordAnnouncement({ stack, shop }: Run, name: string): Promise<void> {
  await shop(); // the tenant connected, so that there is one to announce to
  const handle = await stack.temporal.workflow.start('announcePaymentMethodsWorkflow', {
    workflowId: ANNOUNCE_WORKFLOW_ID,
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    args: [],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
  const announcements = (await handle.result()) as Announcement[];
  expectPath(
    name,
    'it announced',
    announcements.map(({ tenant, added }) => `${tenant}: ${added.length > 0 ? 'added' : 'nothing'}`),
    [`${SPRYKER_TENANT}: added`],
  );
  record(name, handle.workflowId, await handle.fetchHistory());
}

const RECORDINGS: readonly Recording[] = [
  ...SCENARIOS.map((scenario) => ({
    name: scenario.name,
    record: ({ stack }: Run) => recordScenario(stack, scenario),
  })),
  // First of the tenant's orders: its mailbox's history is this order's alone.
  { name: 'spryker-order-capture-refund-cancel', record: recordSprykerOrder },
  { name: 'spryker-order-paid-on-page', record: recordSprykerPagePaid },
  { name: 'spryker-page-expired', record: recordSprykerPageExpired },
  { name: 'spryker-tenant-connected', record: recordSprykerTenant },
  { name: 'spryker-message-dropped', record: recordSprykerDrop },
  { name: 'announce-payment-methods', record: recordAnnouncement },
];

/** Refuses to record a history under a name whose path the run did not take. */
function expectPath(name: string, what: string, found: readonly unknown[], expected: readonly unknown[]) {
  const [got, want] = [found, expected].map((list) => JSON.stringify([...list].map(String).sort()));
  if (got !== want) throw new Error(`${name}: ${what} ${got}, not ${want}`);
}

const times = (count: number, item: string) => Array.from({ length: count }, () => item);

/** The updates a history accepted, the signals it received and the activities it scheduled, by name, in order. */
const stepsIn = (history: History) =>
  (history.events ?? []).flatMap((event) => {
    const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    const signal = event.workflowExecutionSignaledEventAttributes?.signalName;
    const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return update ? [update] : signal ? [`signal ${signal}`] : activity ? [`activity ${activity}`] : [];
  });

/** The updates a history accepted and the signals it received, by name. */
const updatesIn = (history: History) => stepsIn(history).filter((step) => !step.startsWith('activity '));

/** How many commands an order's history started (activities/commandStarter.ts: a local activity's marker each). */
const commandStartsIn = (history: History) =>
  (history.events ?? []).filter((event) => {
    const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    return (
      data !== undefined &&
      data !== null &&
      Buffer.from(data).toString('utf8').includes('"startOrderCommand"')
    );
  }).length;

/** Polls the shop's worker until every listed item is in its state. */
async function reach(shop: SprykerShopSimulator, orderReference: string, states: Record<number, string>) {
  await until(async () => {
    await shop.pollOnce();
    const items = shop.orders.get(orderReference)?.items ?? [];
    return Object.entries(states).every(
      ([id, state]) => items.find((item) => item.id === Number(id))?.state === state,
    );
  }, 60_000);
}

/** Writes the history, which must hold the workflow id it ran under (the replay test replays it under it). */
function record(name: string, workflowId: string, history: History): void {
  const holds = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId;
  if (holds !== workflowId)
    throw new Error(`${name}: the history's start event holds the workflow id ${holds}, not ${workflowId}`);
  const file = join(OUT, `${name}.json`);
  writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`recorded ${file}`);
}

/** Sends a command of 25.00 EUR on the reference's authorization; answers its workflow id. */
async function start(stack: Stack, command: PaymentCommand, reference: string): Promise<string> {
  const answer = await sendMibCommand(
    stack.api.url,
    {
      jsonrpc: '2.0',
      id: `${command}-${reference}`,
      method: mibMethod(command),
      params: {
        payment: {
          reference,
          currency: 'EUR',
          transactions: [{ amount: '25.00', gateway_information: { transaction_id: `auth_${reference}` } }],
        },
      },
    },
    { secret: stack.config.MIB_INTAKE_SECRET },
  );
  return (answer.body as { result: { workflow_id: string } }).result.workflow_id;
}

async function send(stack: Stack, command: PaymentCommand, reference: string): Promise<void> {
  await stack.temporal.workflow.getHandle(await start(stack, command, reference)).result();
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((done) => setTimeout(done, 200));
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
