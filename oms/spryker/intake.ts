import type { Request, Response } from 'express';
import { fingerprint } from '../../domain/fingerprint';
import type { FinalOutcome } from '../../domain/outcome';
import { issuesOf } from '../../domain/issues';
import {
  orderReferenceKey,
  type MoneyCommand,
  type OrderCommandRequest,
  type OrderKey,
  type OrderPaymentState,
} from '../../domain/orderPayment';
import { ownValue } from '../../domain/ownKeys';
import { settlementAt } from '../../domain/settlement';
import { paymentWorkflowId } from '../../domain/workflowId';
import { admitOrderCommand, orderPaymentOf } from '../orderPayments';
import { UnstartableCommandError } from '../startCommand';
import { SPRYKER_DOOR, type SprykerDependencies } from './door';
import {
  COMMAND_NAMES,
  COMMAND_SCHEMAS,
  incomingAttributes,
  messageIdOf,
  type SprykerCommandBody,
} from './messages';
import { outcomeEvent, postEvent, type SprykerReplyContext } from './events';
import type { SprykerGate } from './gate';

/**
 * `POST <bus>/payment-commands`: a capture, refund or cancel as a Spryker shop sends it. The order's payment
 * (workflows/orderPayment.ts) admits it against the money authorized, captured and refunded, and starts its
 * payment command workflow; a redelivery starts nothing and is answered the same MessageId. Every refusal
 * is an HTTP error the shop's sender raises (so its OMS command fails visibly), logged once.
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
  const refuse = (status: number, error: string, issues?: { path: string; message: string }[]) => {
    deps.logger.warn('refused a Spryker command', { tenant, name: attributes.name, status, error });
    res.status(status).json(issues ? { error, issues } : { error });
  };
  const kind = attributes.name ? ownValue(COMMAND_NAMES, attributes.name) : undefined;
  if (!kind) {
    return refuse(400, 'invalid message', [
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
    json = JSON.parse((req.body as Buffer).toString('utf8'));
  } catch {
    return refuse(400, 'invalid message', [{ path: 'body', message: 'not valid JSON' }]);
  }
  const parsed = COMMAND_SCHEMAS[kind].safeParse(json);
  if (!parsed.success) return refuse(400, 'invalid message', issuesOf(parsed.error, 'body'));
  const body = parsed.data as SprykerCommandBody;
  const key: OrderKey = { door: SPRYKER_DOOR, tenant, orderReference: body.orderReference };

  let order: OrderPaymentState | undefined;
  try {
    order = await orderPaymentOf(deps.temporal, key);
  } catch (error) {
    return unavailable(deps, res, error);
  }
  if (!order) return refuse(404, `no payment is known for order ${body.orderReference}`);
  // An amount the provider would read otherwise is refused before anything starts; a cancel sends none.
  const unpayable =
    kind === 'cancel'
      ? undefined
      : deps.providers.amountProblem(order.opening.provider, {
          minor: Math.abs(body.amount),
          currency: body.currencyIsoCode,
        });
  if (unpayable) return refuse(400, 'invalid message', [{ path: 'body.amount', message: unpayable }]);
  const request = commandRequest(deps, key, kind, body, order, attributes.correlationId);
  try {
    const admitted = await admitOrderCommand(deps.temporal, key, request);
    if ('refused' in admitted) return refuse(409, admitted.refused);
    // Known before this delivery: a redelivery (Temporal answers a repeated update id with its first answer).
    const known = order.commands[admitted.workflowId];
    if (known && known.state !== 'running') {
      await answerAgain(deps, request, known.state, order.opening.amountMinor, attributes.correlationId);
    }
    deps.logger.info(known ? 'Spryker command redelivered; already accepted' : 'Spryker command accepted', {
      workflowId: admitted.workflowId,
      tenant,
    });
    res.json({ MessageId: messageIdOf(admitted.workflowId) });
  } catch (error) {
    if (error instanceof UnstartableCommandError)
      return refuse(400, 'invalid message', [{ path: error.path, message: error.message }]);
    return unavailable(deps, res, error);
  }
}

/**
 * A command sent again after its outcome: the shop's send failed, so it rolled its items back and asks again. The
 * event is posted again for it, under a MessageId of this send (its Correlation-Id): the same send retried adds
 * nothing, and a shop whose items already moved ignores the event.
 */
async function answerAgain(
  deps: SprykerDependencies,
  request: OrderCommandRequest,
  outcome: FinalOutcome,
  orderTotalMinor: number,
  correlationId: string | undefined,
): Promise<void> {
  const reply = {
    ...(request.input.reply.context as SprykerReplyContext),
    ...(correlationId ? { correlationId } : {}),
  };
  const event = outcomeEvent(reply, request.input.command, outcome, orderTotalMinor);
  await postEvent(
    deps,
    deps.spryker!.appIdentifier,
    reply,
    `${request.workflowId}:again:${correlationId ?? ''}`,
    event,
  );
  deps.logger.info('Spryker command sent again after its outcome; its event is posted again', {
    workflowId: request.workflowId,
    event: event.name,
  });
}

/**
 * The command's workflow and input. Its id comes from what decides the money — tenant, order, command, amount,
 * currency and items — so that a redelivery (under an old name too) maps to the same workflow.
 */
function commandRequest(
  deps: SprykerDependencies,
  key: OrderKey,
  command: MoneyCommand,
  body: SprykerCommandBody,
  order: OrderPaymentState,
  correlationId: string | undefined,
): OrderCommandRequest {
  const reference = orderReferenceKey(key);
  const items = (body.orderItems?.map((item) => item.orderItemId) ?? body.orderItemIds ?? [])
    .map(String)
    .sort();
  const workflowId = paymentWorkflowId({
    reference,
    command,
    fingerprint: fingerprint({ command, amount: body.amount, currency: body.currencyIsoCode, items }),
  });
  const { provider } = order.opening;
  const context: SprykerReplyContext = {
    tenant: key.tenant,
    orderReference: key.orderReference,
    workflowId,
    orderItemIds: body.orderItemIds ?? body.orderItems?.map((item) => item.orderItemId) ?? [],
    amount: body.amount,
    currencyIsoCode: body.currencyIsoCode,
    ...(correlationId ? { correlationId } : {}),
  };
  return {
    workflowId,
    input: {
      command,
      reference,
      provider,
      transactionId: order.authorization?.transactionId ?? '',
      amountMinor: Math.abs(body.amount),
      currency: body.currencyIsoCode,
      settlement: settlementAt(deps.settlement, deps.providers, command, provider),
      reply: { door: SPRYKER_DOOR, context },
    },
  };
}

/** Temporal did not answer: the shop may send the command again (it is idempotent). */
export function unavailable(deps: SprykerDependencies, res: Response, error: unknown): void {
  deps.logger.error('could not reach the order payment', { error: (error as Error).message });
  res.status(503).json({ error: 'Settle cannot take the message now; send it again' });
}
