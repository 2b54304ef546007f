import type { Client } from '@temporalio/client';
import type { MoneyCommand } from '../../domain/orderPayment';
import type { AuthorizationReportRequest, Reporter, ReportRequest } from '../door';
import { recordOrderOutcome } from '../orderPayments';
import { SPRYKER_DOOR } from './door';
import { outcomeEvent, postEvent, type SprykerReplyContext } from './events';
import { AUTHORIZATION_EVENTS } from './messages';

export type { SprykerReplyContext } from './events';

/**
 * Tells a Spryker shop what became of its command: the order's payment takes the outcome (so the next command
 * is admitted against the new amounts), then the event waits in the tenant's `payment-events` mailbox until
 * the shop fetches and acknowledges it. Its MessageId derives from the report id: a retried report adds
 * nothing.
 */
export function createSprykerReporter(temporal: Client, taskQueue: string, appIdentifier: string): Reporter {
  const access = { temporal, taskQueue };
  return {
    async report({ reportId, command, context, result }: ReportRequest): Promise<string> {
      const reply = context as SprykerReplyContext;
      const key = { door: SPRYKER_DOOR, tenant: reply.tenant, orderReference: reply.orderReference };
      const order = await recordOrderOutcome(temporal, key, reply.workflowId!, result.outcome, reportId);
      const event = outcomeEvent(reply, command as MoneyCommand, result.outcome, order.opening.amountMinor);
      await postEvent(access, appIdentifier, reply, reportId, event);
      return event.name;
    },

    async reportAuthorization({
      reportId,
      context,
      authorization,
    }: AuthorizationReportRequest): Promise<string> {
      const reply = context as SprykerReplyContext;
      const name =
        authorization.outcome === 'settled' ? AUTHORIZATION_EVENTS.settled : AUTHORIZATION_EVENTS.declined;
      await postEvent(access, appIdentifier, reply, reportId, {
        name,
        body: {
          orderReference: reply.orderReference,
          orderItemIds: reply.orderItemIds,
          amount: reply.amount,
          currencyIsoCode: reply.currencyIsoCode,
        },
      });
      return name;
    },
  };
}
