import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CommandStarterActivities } from '../activities/commandStarter';
import { parseDuration } from '../domain/duration';
import {
  authorizeWorkflowId,
  type OrderPaymentOpening,
  type OrderPaymentState,
} from '../domain/orderPayment';
import type { PaymentCommandInput, ReplyContext } from '../domain/paymentCommand';
import { now } from './commandState';
import { continueAsNewDue } from './continueAsNew';
import {
  actAgainSignal,
  actAnsweredSignal,
  actInFlightQuery,
  admitCommandUpdate,
  commandEventSignal,
  checkoutPageQuery,
  openCheckoutUpdate,
  orderPaymentQuery,
  recordOutcomeUpdate,
  type ActAnswer,
  type ActRequest,
} from './orderPaymentMessages';
import { OrderState } from './orderState';
import { providerEventSignal } from './messages';
import type { ProviderEvent } from '../providers/types';
import { carryOut, providerCalls, providerCallsRetryingAfter } from './providerCalls';
import { failureOf } from './stuckReasons';

// Unlimited attempts: a command the order admitted is started, whatever it takes.
const { startOrderCommand } = proxyLocalActivities<CommandStarterActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** An order with no command for this long, and none running, is closed: its workflow ends. */
const KEPT_IDLE_MS = parseDuration('400d');

export interface OrderPaymentInput {
  readonly opening: OrderPaymentOpening;
  /** How the door tells its shop about the order (the door's reporter); each command carries its own. */
  readonly reply: ReplyContext;
  /** The state a continued run takes over. */
  readonly carried?: OrderPaymentState;
}

/**
 * One order's payment for as long as the order lives: its checkout's authorize command, then every capture,
 * refund and cancel on it, admitted against the money still capturable or refundable, each run as its own
 * payment command workflow, started here (by a local activity, not as a child): what the order admits, it starts.
 * The order acts at the provider for its commands, one at a time in the order they came (a second act of a
 * command, asked by the command, queues like the first), and hands each command its act's answer, the first
 * usually in the command's start; the authorize's answer is also the checkout's (the payment page's session, a
 * direct checkout's answer). Every command reports its outcome back through its door (recordOutcome), and the
 * authorization and the amounts follow. Queried for its state and its payment page; continues as new when its
 * history grows, between acts; ends after KEPT_IDLE_MS with nothing running.
 */
export async function orderPaymentWorkflow(input: OrderPaymentInput): Promise<OrderPaymentState> {
  const { opening, reply } = input;
  const order = new OrderState(opening, input.carried);
  const { workflowId } = workflowInfo();
  /** Commands admitted and not yet started: the order starts each with its first act's answer. */
  const unstarted = new Map<string, PaymentCommandInput>();
  /** Provider events for commands not yet started, handed to each as it starts. */
  const early = new Map<string, ProviderEvent[]>();
  /** Commands being started: the run continues as new only once they are there. */
  const starting = new Map<string, Promise<void>>();
  /** Answers on their way to their commands: the run continues as new only once they are delivered. */
  let answering = 0;

  /**
   * Takes a command of the order on, its first act queued with it: the admission is the first ask. An order
   * with no act queued acts at once and starts the command with the answer (`start`); one that acts for
   * another command first starts this one now, so that it shows its wait, and signals it the answer.
   */
  const admit = (commandId: string, command: PaymentCommandInput): void => {
    const ours = { ...command, orderWorkflowId: workflowId };
    unstarted.set(commandId, ours);
    const waits = !order.actsDone();
    order.actAsked({ workflowId: commandId, input: ours, act: 1, since: now() });
    if (waits) void start(commandId);
  };

  /**
   * Starts an admitted command as its own payment command workflow, once (activities/commandStarter.ts): it goes
   * on, and reports back, whatever becomes of this run (continue-as-new included); a redelivery finds it running.
   */
  const start = (commandId: string, answered?: ActAnswer): Promise<void> => {
    const ours = unstarted.get(commandId);
    if (!ours) return starting.get(commandId) ?? Promise.resolve();
    unstarted.delete(commandId);
    const started = startOrderCommand({
      workflowId: commandId,
      input: ours,
      ...(answered ? { answered } : {}),
      ...(early.has(commandId) ? { events: early.get(commandId) } : {}),
      place: { orderId: opening.key.orderReference, tenant: opening.key.tenant },
      admittedAtMs: now(),
      taskQueue: workflowInfo().taskQueue,
    });
    early.delete(commandId);
    starting.set(commandId, started);
    void started.finally(() => starting.delete(commandId)).catch(() => undefined);
    return started;
  };

  /**
   * One act at the provider for a command: the calls, idempotency key (the command's workflow id) and retries
   * of any act (providerCalls.ts). A failure is the command's to show (stuck, with its reason); an authorize's
   * answer is the checkout's too. A command not yet started is started with the answer, or, should the act
   * need retries, before them.
   */
  const actFor = async (request: ActRequest): Promise<void> => {
    const { workflowId: commandId } = request;
    const calls = unstarted.has(commandId)
      ? providerCallsRetryingAfter(() => start(commandId))
      : providerCalls;
    await starting.get(commandId);
    let answer: ActAnswer;
    try {
      const result = await carryOut(request.input, commandId, calls, request.since);
      if (request.input.command === 'authorize') order.checkoutAnswered(result);
      answer = { act: request.act, result };
    } catch (error) {
      if (isCancellation(error)) throw error;
      answer = { act: request.act, failure: failureOf(error) };
    }
    if (unstarted.has(commandId)) {
      void start(commandId, answer);
      return;
    }
    answering += 1;
    void getExternalWorkflowHandle(commandId)
      .signal(actAnsweredSignal, answer)
      .catch((error: unknown) =>
        // Its command was ended by hand: an operator revives it, and it asks again.
        log.warn("a command's act could not be answered", { workflowId: commandId, error: String(error) }),
      )
      .finally(() => (answering -= 1));
  };

  // The checkout admits the order's authorize command, once; a page answers at once, direct its act's answer.
  setHandler(
    openCheckoutUpdate,
    async (request) => {
      if (!order.checkoutOpen()) {
        const commandId = authorizeWorkflowId(workflowId);
        order.checkoutOpened(request, commandId);
        admit(commandId, request.authorize);
      }
      await condition(() => order.opened() !== undefined);
      return order.opened()!;
    },
    { validator: (request) => order.refuseOtherOpening(request.opening) },
  );

  setHandler(checkoutPageQuery, () => order.pageView());

  // Answered once the command is admitted (durably, with this update), not after its act.
  setHandler(
    admitCommandUpdate,
    (request) => {
      if (order.knows(request.workflowId)) return { workflowId: request.workflowId, redelivered: true };
      const command = order.admitted(request);
      admit(command.workflowId, command.input);
      return { workflowId: command.workflowId, redelivered: false };
    },
    { validator: (request) => order.refuseCommand(request) },
  );

  setHandler(actAgainSignal, (request) => {
    if (order.knows(request.workflowId)) order.actAsked(request);
    else log.warn('an act was asked for a command not of this order', { workflowId: request.workflowId });
  });

  // A webhook that found its command not running: kept for the command's start (also one not yet admitted: the
  // redelivered admission may come after it), or passed on to a command started or being started.
  setHandler(commandEventSignal, (event) => {
    const commandId = event.workflowId;
    if (unstarted.has(commandId) || !order.knows(commandId)) {
      early.set(commandId, [...(early.get(commandId) ?? []), event]);
      return;
    }
    answering += 1;
    void Promise.resolve(starting.get(commandId))
      .then(() => getExternalWorkflowHandle(commandId).signal(providerEventSignal, event))
      .catch((error: unknown) =>
        // The command has ended: the event came late.
        log.warn("a provider's event found its command ended", {
          workflowId: commandId,
          error: String(error),
        }),
      )
      .finally(() => (answering -= 1));
  });

  setHandler(recordOutcomeUpdate, (outcome) => order.outcomeRecorded(outcome), {
    validator: (outcome) => order.refuseUnknownCommand(outcome),
  });

  setHandler(orderPaymentQuery, () => order.facts);
  setHandler(actInFlightQuery, () => order.actInFlight());

  for (;;) {
    for (let next = order.nextAct(); next; next = order.nextAct()) {
      await actFor(next);
      order.actDone();
    }
    // A busy order continues as new, carrying its state, once its handlers are done and no act is queued, in
    // flight or on its way to its command: the acts are never carried.
    const settled = () => allHandlersFinished() && answering === 0 && starting.size === 0 && order.actsDone();
    const seen = order.changeCount;
    const moved = await condition(
      () => order.changeCount !== seen || (continueAsNewDue() && settled()),
      KEPT_IDLE_MS,
    );
    if (continueAsNewDue() && settled()) {
      await continueAsNew<typeof orderPaymentWorkflow>({ opening, reply, carried: order.facts });
    }
    if (!moved && !order.running()) break;
  }
  await condition(allHandlersFinished);
  return order.facts;
}
