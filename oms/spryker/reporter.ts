import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ReportRefusedError } from '../../domain/failures';
import { orderPaymentWorkflowId, type MoneyCommand } from '../../domain/orderPayment';
import { recordOutcomeUpdate } from '../../workflows/orderPaymentMessages';
import type { AuthorizationReportRequest, Reporter, ReportRequest } from '../door';
import { SPRYKER_DOOR, mailboxId } from './door';
import { postToMailbox } from './mailbox';
import { AUTHORIZATION_EVENTS, OUTCOME_EVENTS, busMessage } from './messages';

/** What the door keeps of a command (or of a checkout) to answer it: the echo Spryker's OMS relies on. */
export interface SprykerReplyContext {
  readonly tenant: string;
  readonly orderReference: string;
  /** The command's workflow; absent for the checkout's authorization. */
  readonly workflowId?: string;
  /** As the shop sent them: an event's OMS transition fires for exactly these items. */
  readonly orderItemIds: readonly (number | string)[];
  /** As the shop sent it (a refund's negative). */
  readonly amount: number;
  readonly currencyIsoCode: string;
  readonly correlationId?: string;
}

/**
 * Tells a Spryker shop what became of its command: the order's payment takes the outcome (so the next command
 * is admitted against the new amounts), then the event waits in the tenant's `payment-events` mailbox until
 * the shop fetches and acknowledges it. Its MessageId derives from the report id: a retried report adds
 * nothing.
 */
export function createSprykerReporter(temporal: Client, taskQueue: string, appIdentifier: string): Reporter {
  const post = (
    context: SprykerReplyContext,
    reportId: string,
    name: string,
    body: Record<string, unknown>,
  ) => {
    const message = busMessage({
      name,
      body,
      tenant: context.tenant,
      appIdentifier,
      correlationId: context.correlationId ?? randomUUID(),
      seed: `${reportId}:${name}`,
      at: new Date(),
    });
    return postToMailbox({ temporal, taskQueue }, mailboxId(context.tenant, 'payment-events'), {
      messages: [{ id: message.MessageId, content: message }],
    });
  };

  return {
    async report({ reportId, command, context, result }: ReportRequest): Promise<string> {
      const reply = context as SprykerReplyContext;
      const key = { door: SPRYKER_DOOR, tenant: reply.tenant, orderReference: reply.orderReference };
      let order;
      try {
        order = await temporal.workflow
          .getHandle(orderPaymentWorkflowId(key))
          .executeUpdate(recordOutcomeUpdate, {
            args: [{ workflowId: reply.workflowId!, outcome: result.outcome }],
            updateId: `${reportId}:outcome`,
          });
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) throw new ReportRefusedError(error.message);
        throw error;
      }
      const name = OUTCOME_EVENTS[command as MoneyCommand][result.outcome];
      // A cancel releases the whole authorization: its event carries the order's total, as payment apps send it.
      const amount = command === 'cancel' ? order.opening.amountMinor : reply.amount;
      await post(reply, reportId, name, {
        orderReference: reply.orderReference,
        orderItemIds: reply.orderItemIds,
        amount,
        currencyIsoCode: reply.currencyIsoCode,
      });
      return name;
    },

    async reportAuthorization({
      reportId,
      context,
      authorization,
    }: AuthorizationReportRequest): Promise<string> {
      const reply = context as SprykerReplyContext;
      const name =
        authorization.outcome === 'settled' ? AUTHORIZATION_EVENTS.settled : AUTHORIZATION_EVENTS.declined;
      await post(reply, reportId, name, {
        orderReference: reply.orderReference,
        orderItemIds: reply.orderItemIds,
        amount: reply.amount,
        currencyIsoCode: reply.currencyIsoCode,
      });
      return name;
    },
  };
}
