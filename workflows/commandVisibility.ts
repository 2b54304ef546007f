import type { SearchAttributePair } from '@temporalio/common';
import { formatMoney } from '../domain/money';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import { facetEntries, SEARCH_ATTRIBUTES } from './searchAttributes';

/** Where a command belongs beyond its input: what the operator searches it by. */
export interface CommandPlace {
  /** The order the payment belongs to, as the operator searches it; the reference where the door has none. */
  readonly orderId: string;
  /** The shop at a door that serves several. */
  readonly tenant?: string;
}

/**
 * What a payment command workflow shows from its first moment, whoever starts it (a door's API, or the order's
 * payment workflow): its search attributes and the Web UI's summary and details. Pure, so that workflow code
 * can use it too; `startedAtMs` is the caller's clock (workflow time inside a workflow).
 */
export function commandVisibility(input: PaymentCommandInput, place: CommandPlace, startedAtMs: number) {
  const { command, reference, provider, amountMinor, currency } = input;
  const money = formatMoney({ minor: amountMinor, currency });
  const { deadlineMs } = input.settlement;
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: SEARCH_ATTRIBUTES.paymentReference, value: reference },
    { key: SEARCH_ATTRIBUTES.orderId, value: place.orderId },
    {
      key: SEARCH_ATTRIBUTES.facets,
      value: facetEntries({ door: input.reply.door, provider, command, tenant: place.tenant, currency }),
    },
    { key: SEARCH_ATTRIBUTES.phase, value: 'executing' },
    { key: SEARCH_ATTRIBUTES.amountMinor, value: amountMinor },
    ...(Number.isFinite(deadlineMs)
      ? [{ key: SEARCH_ATTRIBUTES.deadline, value: new Date(startedAtMs + deadlineMs) }]
      : []),
  ];
  return {
    staticSummary: `${command} ${money} · ${reference} · ${provider}`,
    staticDetails: [
      `**${command}** of **${money}** at **${provider}**`,
      `Payment ${reference}, order ${place.orderId}, through the ${input.reply.door} front door` +
        (place.tenant ? ` (shop ${place.tenant})` : ''),
      input.checkout
        ? `Checkout of order ${input.checkout.orderReference} (${input.checkout.mode})`
        : `Authorization ${input.transactionId}`,
    ].join('\n\n'),
    typedSearchAttributes,
  };
}
