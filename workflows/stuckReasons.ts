import {
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  TemporalFailure,
  TerminatedFailure,
} from '@temporalio/workflow';
import { NON_RETRYABLE } from '../domain/failures';

/**
 * Why a payment is stuck, twice: the whole reason for the operator (its status and details, which are
 * payloads, encrypted with PAYLOAD_KEYS), and a category in Settle's own words for the `SettleStuckReason`
 * search attribute and the log, which are stored in clear — a provider's or an OMS's answer never goes there.
 */
export interface StuckReason {
  readonly reason: string;
  readonly category: string;
}

/** Where in the command a failure stopped it. */
export type Stage = 'act' | 'settlement' | 'report';

const STAGE_WORDS: Record<Stage, string> = {
  act: 'the act at the provider failed',
  settlement: 'asking the provider for the outcome failed',
  report: 'the outcome report failed',
};

export const ACT_ENDED_BY_HAND = 'the act at the provider was ended by hand before it answered';

/**
 * A failure the command could not go on from, as a stuck reason: the failure's own message (an activity's
 * or a child's, unwrapped), and its stage and type as the category. An act ended by hand, and an OMS
 * refusing a report (with its HTTP status, where its message names one), have categories of their own.
 */
export function stuckReasonOf(error: unknown, stage: Stage): StuckReason {
  if (error instanceof ChildWorkflowFailure) {
    if (error.cause instanceof TerminatedFailure || error.cause instanceof CancelledFailure)
      return { reason: ACT_ENDED_BY_HAND, category: ACT_ENDED_BY_HAND };
  }
  const { message: reason, type } = failureOf(error);
  if (type === NON_RETRYABLE.reportRefused) {
    const http = /\bHTTP (\d{3})\b/.exec(reason);
    return { reason, category: `report refused by the OMS${http ? ` (HTTP ${http[1]})` : ''}` };
  }
  return { reason, category: `${STAGE_WORDS[stage]} (${type})` };
}

/**
 * What failed, unwrapped from an activity's or a child's failure: its message and its type (an
 * ApplicationFailure's, else the error's name). The order hands a failed act to its command this way.
 */
export function failureOf(error: unknown): { message: string; type: string } {
  const failure = innermost(error);
  const message = failure instanceof Error && failure.message ? failure.message : String(failure);
  const type =
    failure instanceof ApplicationFailure
      ? (failure.type ?? 'ApplicationFailure')
      : failure instanceof Error
        ? failure.name
        : typeof failure;
  return { message, type };
}

/** The failure at the bottom of an activity's or a child's wrapping: the one that says what went wrong. */
function innermost(error: unknown): unknown {
  let failure = error;
  while (failure instanceof TemporalFailure && failure.cause && !(failure instanceof ApplicationFailure))
    failure = failure.cause;
  return failure;
}
