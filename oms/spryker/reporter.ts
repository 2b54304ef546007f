import type { Client } from '@temporalio/client';
import type { Reporter } from '../door';
import { createOrderReporter } from '../orderReporter';
import { SPRYKER_DOOR } from './door';
import { outcomeEvent, postEvent, type SprykerReplyContext } from './events';

export type { SprykerReplyContext } from './events';

/**
 * Tells a Spryker shop what became of its command (the checkout's authorize included): the order's payment
 * takes the outcome (oms/orderReporter.ts),
 * then the event waits in the tenant's `payment-events` mailbox until the shop fetches and acknowledges it.
 * Its MessageId derives from the report id: a retried report adds nothing.
 */
export function createSprykerReporter(
  temporal: Client,
  taskQueue: string,
  appIdentifier: string,
): Reporter<SprykerReplyContext> {
  const access = { temporal, taskQueue };
  return createOrderReporter<SprykerReplyContext>(temporal, {
    orderOf: ({ tenant, orderReference }) => ({ door: SPRYKER_DOOR, tenant, orderReference }),

    async sendOutcome({ reportId, command, reply, result, order }) {
      const event = outcomeEvent(reply, command, result.outcome, order.opening.amountMinor);
      await postEvent(access, appIdentifier, reply, reportId, event);
      return event.name;
    },
  });
}
