import type { ProviderResult } from '../providers/types';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import { carryOut, providerCalls } from './providerCalls';

/**
 * One command acting at the provider, as a child of its command workflow, under the workflow id
 * `payment-lock:<reference>`. Temporal runs at most one workflow per id at a time, so while this one runs no
 * other command of the payment can act: the payment's lock is the id itself, taken by starting the child
 * and released by its end — also when the worker dies or the call retries for hours — with no lock to hand
 * back. `requester` is the command's workflow id: the idempotency key of every call; `since` its start, when
 * the command may first have reached the provider (an act started without it counts from its own start).
 */
export async function paymentActWorkflow(
  input: PaymentCommandInput,
  requester: string,
  since?: number,
): Promise<ProviderResult> {
  return carryOut(input, requester, providerCalls, since);
}
