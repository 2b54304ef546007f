import {
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { CommandStarterActivities } from '../activities/commandStarter';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import type { ProviderEvent } from '../providers/types';
import { now } from './commandState';
import { providerEventSignal } from './messages';
import { actAnsweredSignal, type ActAnswer, type ActRequest } from './orderPaymentMessages';
import type { OrderState } from './orderState';
import { carryOut, providerCalls, providerCallsRetryingAfter } from './providerCalls';
import { failureOf } from './stuckReasons';

// Unlimited attempts: a command the order admitted is started, whatever it takes.
const { startOrderCommand } = proxyLocalActivities<CommandStarterActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * An order's acts at the provider for its commands (workflows/orderPayment.ts), and the starts of those commands.
 * The acts run one at a time in the order they were asked (an admission is a command's first ask; a second act,
 * asked by the command, queues like the first). A command admitted with no act queued is started after its act,
 * with the answer; one that must wait behind another act, or whose act retries as a regular activity, is started
 * first, so that it shows its wait, and hears the answer by signal. None of this is carried over a
 * continue-as-new: the run continues only once it is all done (`done`).
 */
export class OrderActs {
  /** The acts still to run, in the order asked; the first is in flight while `acting`. */
  private readonly queue: ActRequest[] = [];
  private acting = false;
  /** Commands admitted and not yet started: each is started with its first act's answer. */
  private readonly unstarted = new Map<string, PaymentCommandInput>();
  /** Provider events for commands not yet started, handed to each as it starts. */
  private readonly early = new Map<string, ProviderEvent[]>();
  /** Commands being started. */
  private readonly starting = new Map<string, Promise<void>>();
  /** Signals on their way to commands. */
  private delivering = 0;

  constructor(
    private readonly order: OrderState,
    private readonly orderWorkflowId: string,
  ) {}

  /** Takes a command on: its first act is queued, and, behind another act, the command is started now. */
  admit(commandId: string, command: PaymentCommandInput): void {
    const input = { ...command, orderWorkflowId: this.orderWorkflowId };
    this.unstarted.set(commandId, input);
    const waits = this.queue.length > 0 || this.acting;
    this.ask({ workflowId: commandId, input, act: 1, since: now() });
    if (waits) void this.start(commandId);
  }

  /**
   * Queues a command's act. An act asked again while the same one is queued or in flight (an operator's
   * recheck) is the same act: it runs once.
   */
  ask(request: ActRequest): void {
    const same = ({ workflowId, act }: ActRequest) =>
      workflowId === request.workflowId && act === request.act;
    if (!this.queue.some(same)) this.queue.push(request);
  }

  /** An act is queued and not yet run: the workflow's loop runs it (`runQueued`). */
  queued(): boolean {
    return this.queue.length > 0 && !this.acting;
  }

  /** Runs the queued acts, one at a time. */
  async runQueued(): Promise<void> {
    for (let next = this.queue[0]; next; next = this.queue[0]) {
      this.acting = true;
      try {
        await this.act(next);
      } finally {
        this.queue.shift();
        this.acting = false;
      }
    }
  }

  /** The command whose act is in flight: the operator sees its activity's attempts. */
  inFlight(): string | undefined {
    return this.acting ? this.queue[0]?.workflowId : undefined;
  }

  /** No act queued or in flight, no command being started, nothing on its way to a command. */
  done(): boolean {
    return this.queue.length === 0 && !this.acting && this.starting.size === 0 && this.delivering === 0;
  }

  /**
   * A provider's event that found its command not running: kept for the command's start (also for one not yet
   * admitted: a redelivered admission may come after it), or passed on to a command started or being started.
   */
  eventCame(event: ProviderEvent): void {
    const commandId = event.workflowId;
    if (this.unstarted.has(commandId) || !this.order.knows(commandId)) {
      this.early.set(commandId, [...(this.early.get(commandId) ?? []), event]);
      return;
    }
    this.deliver(
      commandId,
      () => getExternalWorkflowHandle(commandId).signal(providerEventSignal, event),
      // The command has ended: the event came late.
      "a provider's event found its command ended",
    );
  }

  /**
   * One act at the provider for a command: the calls, idempotency key (the command's workflow id) and retries of
   * any act (providerCalls.ts). A failure is the command's to show (stuck, with its reason); an authorize's answer
   * is the checkout's too.
   */
  private async act(request: ActRequest): Promise<void> {
    const { workflowId: commandId } = request;
    const calls = this.unstarted.has(commandId)
      ? providerCallsRetryingAfter(() => this.start(commandId))
      : providerCalls;
    await this.starting.get(commandId);
    let answer: ActAnswer;
    try {
      const result = await carryOut(request.input, commandId, calls, request.since);
      if (request.input.command === 'authorize') this.order.checkoutAnswered(result);
      answer = { act: request.act, result };
    } catch (error) {
      if (isCancellation(error)) throw error;
      answer = { act: request.act, failure: failureOf(error) };
    }
    if (this.unstarted.has(commandId)) {
      void this.start(commandId, answer);
      return;
    }
    this.deliver(
      commandId,
      () => getExternalWorkflowHandle(commandId).signal(actAnsweredSignal, answer),
      // Its command was ended by hand: an operator revives it, and it asks again.
      "a command's act could not be answered",
    );
  }

  /**
   * Starts an admitted command as its own payment command workflow, once (activities/commandStarter.ts): it goes
   * on, and reports back, whatever becomes of the order's run (continue-as-new included).
   */
  private start(commandId: string, answered?: ActAnswer): Promise<void> {
    const input = this.unstarted.get(commandId);
    if (!input) return this.starting.get(commandId) ?? Promise.resolve();
    this.unstarted.delete(commandId);
    const { key } = this.order.facts.opening;
    const started = startOrderCommand({
      workflowId: commandId,
      input,
      ...(answered ? { answered } : {}),
      ...(this.early.has(commandId) ? { events: this.early.get(commandId) } : {}),
      place: { orderId: key.orderReference, tenant: key.tenant },
      startedAtMs: now(),
      taskQueue: workflowInfo().taskQueue,
    });
    this.early.delete(commandId);
    this.starting.set(commandId, started);
    void started.finally(() => this.starting.delete(commandId)).catch(() => undefined);
    return started;
  }

  /** Signals a command once it is there (`send`); a failure is logged as `warning`, never thrown. */
  private deliver(commandId: string, send: () => Promise<void>, warning: string): void {
    this.delivering += 1;
    void Promise.resolve(this.starting.get(commandId))
      .then(send)
      .catch((error: unknown) => log.warn(warning, { workflowId: commandId, error: String(error) }))
      .finally(() => (this.delivering -= 1));
  }
}
