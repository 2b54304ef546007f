import { workflowInfo } from '@temporalio/workflow';
import { formatMoney } from '../domain/money';
import { timelineForDisplay, type Timeline } from '../domain/timeline';
import type { FinalOutcome, Phase } from '../domain/outcome';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import type { ProviderResult } from '../providers/types';
import type { PaymentCommandStatus, Resolution } from './messages';

/**
 * What is known of a payment command, as the phases and the view read it: only its state's transitions
 * (workflows/commandState.ts) change it.
 */
export interface CommandFacts {
  readonly input: PaymentCommandInput;
  readonly phase: Phase;
  readonly outcome?: FinalOutcome;
  /** The provider's latest answer about the command; none before it acted, or after a failed act. */
  readonly result?: ProviderResult;
  readonly stuckReason?: string;
  readonly lastError?: string;
  readonly resolution?: Resolution & { at: string };
  /** When the provider is next asked, if it is. */
  readonly nextCheckAt?: number;
  /** How many scheduled status checks have been made: where the polling schedule stands. */
  readonly pollIndex: number;
  readonly deadlineAt: number;
  /** The command holds the payment's turn: its provider call is in flight. */
  readonly acting: boolean;
  /** Stuck on a failure: nothing moves until an operator resolves, rechecks or retries the report. */
  readonly awaitingOperator: boolean;
  /** An operator asked to ask the provider now (or to act again after a failed act). */
  readonly recheckRequested: boolean;
  /** An operator asked to deliver the refused report again. */
  readonly retryRequested: boolean;
  /** A resolution is being checked with the provider (handlers.ts): a second one waits its turn. */
  readonly resolving: boolean;
  /** An authorize on a payment page: the provider was asked at the page's expiry. */
  readonly pageExpiryChecked: boolean;
  readonly attempts: PaymentCommandStatus['attempts'];
}

/** Where a payment command stands, as `status` answers it (`GET /payments/:id`, `settle payments show`). */
export function statusOf(state: CommandFacts, timeline: Timeline): PaymentCommandStatus {
  const { input, result } = state;
  const { workflowId } = workflowInfo();
  return {
    workflowId,
    door: input.reply.door,
    reference: input.reference,
    command: input.command,
    provider: input.provider,
    amountMinor: input.amountMinor,
    currency: input.currency,
    phase: state.phase,
    outcome: state.outcome,
    transactionId: input.transactionId,
    newTransactionId:
      result?.authorization && result.authorization.transactionId !== input.transactionId
        ? result.authorization.transactionId
        : undefined,
    operationId: result?.operationId,
    attempts: { ...state.attempts },
    lastError: state.lastError,
    stuckReason: state.stuckReason,
    deadline: new Date(Math.min(state.deadlineAt, 8.64e15)).toISOString(),
    nextCheckAt: state.nextCheckAt === undefined ? undefined : new Date(state.nextCheckAt).toISOString(),
    resolution: state.resolution,
    waitingFor: waitingFor(state),
    nextStep: nextStep(state, workflowId),
    timeline: timelineForDisplay(timeline),
  };
}

/** The Web UI's current details (Markdown): phase, what it waits for, why it is stuck and what to run. */
export function detailsOf(state: CommandFacts): string {
  const { input } = state;
  const money = formatMoney({ minor: input.amountMinor, currency: input.currency });
  const lines = [
    `**${state.phase}**${state.outcome ? ` — ${state.outcome}` : ''}`,
    `${input.command} of ${money} at ${input.provider}`,
  ];
  const waiting = waitingFor(state);
  if (waiting) lines.push(`Waiting for: ${waiting}`);
  if (state.stuckReason) lines.push(`Stuck: ${state.stuckReason}`);
  lines.push(...nextSteps(state, workflowInfo().workflowId).map((step) => `Next step: \`${step}\``));
  return lines.join('\n\n');
}

function waitingFor(state: CommandFacts): string | undefined {
  switch (state.phase) {
    case 'executing':
      return state.acting ? 'the provider to answer the call' : "the payment's turn at the provider";
    case 'awaiting_settlement':
    case 'stuck':
      if (state.outcome)
        return state.awaitingOperator
          ? 'an operator to deliver the refused report again'
          : `the OMS (${state.input.reply.door}) to accept the outcome report (still retrying)`;
      if (state.awaitingOperator)
        return 'an operator to resolve the payment, or to recheck it (acts again with the same idempotency key)';
      if (!state.result) return 'the provider to answer the call';
      if (state.input.checkout?.mode === 'page' && !state.pageExpiryChecked)
        return `the customer to pay on the payment page (it expires ${state.input.checkout.expiresAt}), then the provider's word`;
      return state.input.settlement.statusApi || state.result.outcome === 'unknown'
        ? "the provider's webhook or the next status check"
        : "the provider's webhook";
    case 'notifying':
      return `the OMS (${state.input.reply.door}) to accept the outcome report`;
    case 'done':
      return undefined;
  }
}

/** What an operator can do for a stuck payment, as the commands that do it, the likeliest first. */
function nextSteps(state: CommandFacts, workflowId: string): string[] {
  if (state.phase !== 'stuck') return [];
  // A report still retried, a call in flight or still to come: they go on by themselves once the cause is
  // fixed (GET /payments/:id shows their last failure).
  if (state.outcome)
    return state.awaitingOperator ? [`settle payments retry-notification ${workflowId}`] : [];
  if (state.acting || (!state.result && !state.awaitingOperator)) return [];
  return [
    `settle payments resolve ${workflowId} --outcome <settled or declined> --reason "<why>" --operator <name>`,
    `settle payments recheck ${workflowId}`,
  ];
}

/** The next steps in one line, for the status query. */
function nextStep(state: CommandFacts, workflowId: string): string | undefined {
  const steps = nextSteps(state, workflowId);
  return steps.length === 0 ? undefined : steps.join('   or   ');
}
