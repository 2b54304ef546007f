import { randomUUID } from 'node:crypto';
import type { FinalOutcome } from '../../domain/outcome';
import type { OrderCommandKind } from '../../domain/orderPayment';
import { mailboxId } from './door';
import { postToMailbox, type MailboxAccess } from './mailbox';
import { AUTHORIZATION_EVENTS, busMessage, OUTCOME_EVENTS } from './messages';

/** What the door keeps of a command (or of a checkout) to answer it: the echo Spryker's OMS relies on. */
export interface SprykerReplyContext {
  readonly tenant: string;
  readonly orderReference: string;
  /** The command's workflow (the checkout's authorize too). */
  readonly workflowId?: string;
  /** As the shop sent them: an event's OMS transition fires for exactly these items. */
  readonly orderItemIds: readonly (number | string)[];
  /** As the shop sent it (a refund's negative). */
  readonly amount: number;
  readonly currencyIsoCode: string;
  readonly correlationId?: string;
}

export interface OutcomeEvent {
  readonly name: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * The event that answers a command's outcome: it echoes the command's items and amount. The checkout's
 * authorize answers PaymentAuthorized or PaymentAuthorizationFailed for the order's items and total. A cancel
 * releases the whole authorization, so its event carries the order's total, as payment apps send it.
 */
export function outcomeEvent(
  reply: SprykerReplyContext,
  command: OrderCommandKind,
  outcome: FinalOutcome,
  orderTotalMinor: number,
): OutcomeEvent {
  return {
    name: command === 'authorize' ? AUTHORIZATION_EVENTS[outcome] : OUTCOME_EVENTS[command][outcome],
    body: {
      orderReference: reply.orderReference,
      orderItemIds: reply.orderItemIds,
      amount: command === 'cancel' ? orderTotalMinor : reply.amount,
      currencyIsoCode: reply.currencyIsoCode,
    },
  };
}

/**
 * Puts an event in the tenant's `payment-events` mailbox, where it waits until the shop acknowledges it. Its
 * MessageId derives from `seed`: posting the same event again adds nothing.
 */
export function postEvent(
  access: MailboxAccess,
  appIdentifier: string,
  reply: SprykerReplyContext,
  seed: string,
  { name, body }: OutcomeEvent,
) {
  const message = busMessage({
    name,
    body,
    tenant: reply.tenant,
    appIdentifier,
    correlationId: reply.correlationId ?? randomUUID(),
    seed: `${seed}:${name}`,
    at: new Date(),
  });
  return postToMailbox(access, mailboxId(reply.tenant, 'payment-events'), {
    messages: [{ id: message.MessageId, content: message }],
  });
}
