import type { Request, Response } from 'express';
import type { FinalOutcome } from '../../domain/outcome';
import { issuesOf } from '../../domain/issues';
import {
  nothingToCancel,
  orderPaymentWorkflowId,
  type MoneyCommand,
  type OrderKey,
  type OrderPaymentState,
} from '../../domain/orderPayment';
import { ownValue } from '../../domain/ownKeys';
import { admitMoneyCommand, type AdmittedCommand } from '../orderCommands';
import { orderOrDrop } from './commandDrops';
import { answerRefusal, OrderRefusal, type RefusalAnswer } from '../orderRefusal';
import { SPRYKER_DOOR, type SprykerDependencies } from './door';
import {
  COMMAND_NAMES,
  COMMAND_SCHEMAS,
  incomingAttributes,
  messageIdOf,
  type IncomingAttributes,
  type SprykerCommandBody,
} from './messages';
import { outcomeEvent, postEvent, type SprykerReplyContext } from './events';
import type { SprykerGate } from './gate';

/** The error of a command refused for its input (Spryker's InvalidInput, with its issues). */
const INVALID = 'invalid message';

/**
 * `POST <bus>/payment-commands`: a capture, refund or cancel as a Spryker shop sends it. The order's payment
 * (workflows/orderPayment.ts) admits it against the money authorized, captured and refunded, and starts its
 * payment command workflow; a redelivery starts nothing and is answered the same MessageId. What the money
 * does not allow is accepted and answered with the command's failure event; what is malformed or names no
 * known order is an HTTP error the shop's sender raises (so its OMS command fails visibly), logged once.
 */
export async function receiveSprykerCommand(
  deps: SprykerDependencies,
  gate: SprykerGate,
  req: Request,
  res: Response,
): Promise<void> {
  const attributes = incomingAttributes(req.headers);
  const tenant = gate.tenant(req, res, attributes.tenant);
  if (!tenant) return;
  try {
    res.json(await takeCommand(deps, tenant, attributes, req.body as Buffer));
  } catch (error) {
    answerRefusal(
      res,
      error,
      sprykerRefusals(deps, 'refused a Spryker command', { tenant, name: attributes.name }),
    );
  }
}

/** Reads, admits and answers the command; throws an OrderRefusal for what it refuses. */
async function takeCommand(
  deps: SprykerDependencies,
  tenant: string,
  attributes: IncomingAttributes,
  raw: Buffer,
): Promise<{ MessageId: string }> {
  const kind = attributes.name ? ownValue(COMMAND_NAMES, attributes.name) : undefined;
  if (!kind) {
    throw new OrderRefusal(400, INVALID, [
      {
        path: 'headers.name',
        message: attributes.name
          ? `"${attributes.name.slice(0, 80)}" is not a payment command`
          : 'missing: the message has no Name header',
      },
    ]);
  }
  // Spryker's sender sets no Content-Type: the body is JSON whatever the header says.
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new OrderRefusal(400, INVALID, [{ path: 'body', message: 'not valid JSON' }]);
  }
  const parsed = COMMAND_SCHEMAS[kind].safeParse(json);
  if (!parsed.success) throw new OrderRefusal(400, INVALID, issuesOf(parsed.error, 'body'));
  const body = parsed.data as SprykerCommandBody;
  const key: OrderKey = { door: SPRYKER_DOOR, tenant, orderReference: body.orderReference };
  // A disconnected tenant's command, or one for an order Settle does not know: taken and dropped (commandDrops.ts).
  const order = await orderOrDrop(deps, key, attributes.name!, attributes, raw);
  if ('MessageId' in order) return order;
  const { correlationId } = attributes;
  if (kind === 'cancel' && nothingToCancel(order))
    return answerNothingToCancel(deps, order, body, correlationId);
  // What decides the money: a redelivery (under an old name too) maps to the same workflow.
  const items = (body.orderItems?.map((item) => item.orderItemId) ?? body.orderItemIds ?? [])
    .map(String)
    .sort();
  let replyTo: SprykerReplyContext | undefined;
  const admitting = admitMoneyCommand(deps, {
    order,
    command: kind,
    amountMinor: Math.abs(body.amount),
    currency: body.currencyIsoCode,
    amountPath: 'body.amount',
    decidedBy: { amount: body.amount, currency: body.currencyIsoCode, items },
    invalid: INVALID,
    reply: (workflowId) => (replyTo = replyOf(tenant, workflowId, body, correlationId)),
  });
  const admitted = await admitting.catch(async (error: unknown) => {
    if (!(error instanceof OrderRefusal && error.status === 409 && replyTo?.workflowId)) throw error;
    return answerRefused(deps, replyTo, kind, error.message, order.opening.amountMinor);
  });
  if ('MessageId' in admitted) return admitted;
  // Known before this delivery: a redelivery (Temporal answers a repeated update id with its first answer).
  const { workflowId, known } = admitted;
  if (known && known.state !== 'running') {
    await answerAgain(deps, admitted, kind, known.state, order.opening.amountMinor, correlationId);
  }
  deps.logger.info(known ? 'Spryker command redelivered; already accepted' : 'Spryker command accepted', {
    workflowId,
    tenant,
  });
  return { MessageId: messageIdOf(workflowId) };
}

/**
 * A well-formed command the order's money does not allow (a capture past the authorization, a refund before
 * any capture): accepted as the bus accepts every message, and answered the way a payment app answers a
 * command it could not carry out, with its failure event (PaymentCaptureFailed, PaymentRefundFailed,
 * PaymentCancellationFailed; spryker/app-payment `src/Spryker/Shared/AppPayment/Transfer/app_payment.transfer.xml`
 * gives them the command's fields). A redelivery of the same send is answered the same MessageId and posts
 * nothing new.
 */
async function answerRefused(
  deps: SprykerDependencies,
  reply: SprykerReplyContext,
  command: MoneyCommand,
  refused: string,
  orderTotalMinor: number,
): Promise<{ MessageId: string }> {
  // The same send redelivered is answered once; the OMS's "retry payment" is a new send (its own
  // Correlation-Id), whose failure event must reach the shop again.
  const seed = `${reply.workflowId!}:refused:${reply.correlationId ?? ''}`;
  const event = outcomeEvent(reply, command, 'declined', orderTotalMinor);
  await postEvent(deps, deps.spryker!.appIdentifier, reply, seed, event);
  deps.logger.warn("Spryker command refused by the order's money; answered with its failure event", {
    tenant: reply.tenant,
    workflowId: reply.workflowId,
    event: event.name,
    refused,
  });
  return { MessageId: messageIdOf(seed) };
}

/** How the command's outcome goes back to the shop: its items (either shape of the message), amount and send. */
function replyOf(
  tenant: string,
  workflowId: string,
  body: SprykerCommandBody,
  correlationId: string | undefined,
): SprykerReplyContext {
  return {
    tenant,
    orderReference: body.orderReference,
    workflowId,
    orderItemIds: body.orderItemIds ?? body.orderItems?.map((item) => item.orderItemId) ?? [],
    amount: body.amount,
    currencyIsoCode: body.currencyIsoCode,
    ...(correlationId ? { correlationId } : {}),
  };
}

/**
 * A cancel for an order whose checkout never authorized (the customer failed or left the payment page, and the
 * shop cancels the order through its cancel URL): nothing is held at the provider, so it is confirmed with
 * PaymentCanceled and starts no command. The same send redelivered is answered once.
 */
async function answerNothingToCancel(
  deps: SprykerDependencies,
  order: OrderPaymentState,
  body: SprykerCommandBody,
  correlationId: string | undefined,
): Promise<{ MessageId: string }> {
  const { key, amountMinor } = order.opening;
  const workflowId = orderPaymentWorkflowId(key);
  const reply = replyOf(key.tenant, workflowId, body, correlationId);
  const seed = `${workflowId}:nothing-to-cancel:${correlationId ?? ''}`;
  await postEvent(
    deps,
    deps.spryker!.appIdentifier,
    reply,
    seed,
    outcomeEvent(reply, 'cancel', 'settled', amountMinor),
  );
  deps.logger.info('Spryker cancel of a payment never authorized: confirmed, nothing held at the provider', {
    tenant: key.tenant,
    workflowId,
  });
  return { MessageId: messageIdOf(seed) };
}

/**
 * A command sent again after its outcome: the shop's send failed, so it rolled its items back and asks again. The
 * event is posted again for it, under a MessageId of this send (its Correlation-Id): the same send retried adds
 * nothing, and a shop whose items already moved ignores the event.
 */
async function answerAgain(
  deps: SprykerDependencies,
  { workflowId, reply }: AdmittedCommand<SprykerReplyContext>,
  command: MoneyCommand,
  outcome: FinalOutcome,
  orderTotalMinor: number,
  correlationId: string | undefined,
): Promise<void> {
  const again = { ...reply, ...(correlationId ? { correlationId } : {}) };
  const event = outcomeEvent(again, command, outcome, orderTotalMinor);
  await postEvent(
    deps,
    deps.spryker!.appIdentifier,
    again,
    `${workflowId}:again:${correlationId ?? ''}`,
    event,
  );
  deps.logger.info('Spryker command sent again after its outcome; its event is posted again', {
    workflowId,
    event: event.name,
  });
}

/** How the door answers what it refuses, and that the order's payment cannot be reached (the shop may send again). */
export function sprykerRefusals(
  deps: SprykerDependencies,
  refused: string,
  fields?: Readonly<Record<string, unknown>>,
): RefusalAnswer {
  return {
    logger: deps.logger,
    refused,
    ...(fields ? { fields } : {}),
    unavailable: 'Settle cannot take the message now; send it again',
  };
}
