import type { Client } from '@temporalio/client';
import { ReportRefusedError } from '../domain/failures';
import type {
  OrderAuthorization,
  OrderCommandKind,
  OrderKey,
  OrderPaymentState,
} from '../domain/orderPayment';
import type { OutcomeReport } from '../domain/outcome';
import type { Reporter } from './door';
import { recordOrderOutcome } from './orderPayments';

/** A command's outcome as an order door sends it, once the order's payment has recorded it. */
export interface OrderOutcomeReport<Context> {
  readonly reportId: string;
  /** The checkout's authorize, or a money command. */
  readonly command: OrderCommandKind;
  /** The reply context the door admitted the command with (oms/orderCommands.ts, oms/orderPayments.ts). */
  readonly reply: Context;
  readonly result: OutcomeReport;
  /** The order's payment with the outcome in it. */
  readonly order: OrderPaymentState;
}

/** What an order door brings to its reporter: which order a reply speaks of, and its own wire format. */
export interface OrderReporting<Context> {
  orderOf(reply: Context): OrderKey;
  /** Sends the outcome to the shop; resolves with what was sent, in the door's words. */
  sendOutcome(report: OrderOutcomeReport<Context>): Promise<string>;
}

/**
 * An order door's reporter: a command's outcome is first recorded on the order's payment (so the next command
 * is admitted against the new amounts, or, for the checkout's authorize, against the authorization; once per
 * report id), then the door sends it in its own wire format. `Context` is the door's reply context, which the
 * core carries opaque and hands back as the door wrote it.
 */
export function createOrderReporter<Context extends { readonly workflowId?: string }>(
  temporal: Client,
  door: OrderReporting<Context>,
): Reporter<Context> {
  return {
    async report({ reportId, command, context: reply, result }) {
      // Never so for a command the door admitted; were it so, no retry would mend it.
      if (!reply.workflowId) throw new ReportRefusedError(`the ${command}'s reply context names no workflow`);
      const key = door.orderOf(reply);
      const authorization = command === 'authorize' ? authorizationOf(result) : undefined;
      const order = await recordOrderOutcome(
        temporal,
        key,
        reply.workflowId,
        result.outcome,
        reportId,
        authorization,
      );
      // The order's payment runs its authorize and money commands only (oms/orderCommands.ts).
      return door.sendOutcome({ reportId, command: command as OrderCommandKind, reply, result, order });
    },
  };
}

/** An authorize's outcome as the order's authorization: what its later commands act on. */
function authorizationOf({
  outcome,
  status,
  reason,
  authorization,
  operationId,
}: OutcomeReport): OrderAuthorization {
  const transactionId = authorization?.transactionId ?? operationId;
  return {
    outcome,
    status,
    ...(transactionId ? { transactionId } : {}),
    ...(reason ? { reason } : {}),
    ...(authorization?.expiresAt ? { expiresAt: authorization.expiresAt } : {}),
  };
}
