import type { ProviderResult } from '../providers/types';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import { carryOut, providerCalls } from './providerCalls';

/**
 * The payment's turn: one command acting at the provider, as a child of its command workflow, under the
 * workflow id `payment-turn:<reference>`. Temporal runs at most one workflow per id at a time, so while this
 * one runs no other command of the payment can act: the turn is the id itself, taken by starting the child
 * and given up by its end — also when the worker dies or the call retries for hours — with nothing to hand
 * back. `requester` is the command's workflow id: the idempotency key of every call; `since` its start, when
 * the command may first have reached the provider (a turn started without it counts from its own start).
 */
export async function paymentTurnWorkflow(
  input: PaymentCommandInput,
  requester: string,
  since?: number,
): Promise<ProviderResult> {
  return carryOut(input, requester, providerCalls, since);
}
