import { mibMethod } from '../../oms/mib/methods';
import { sendMibCommand } from '../../sim/mib/sendCommand';

/**
 * Payments shaped as MOM sends them: one payment model for every message, with `null` or a value of any JSON
 * type in the fields Settle does not read. Settle must accept them as it accepts the plain payment, and send
 * those fields back exactly as received.
 */

/** One value of each JSON type, `null` first, as MOM may put them in a field it does not use. */
export const UNUSED_VALUES: readonly unknown[] = [
  null,
  0,
  -12.5,
  true,
  false,
  '',
  [],
  ['a', 1, null, { deep: [false] }],
  {},
  { nested: { list: [1, '2', null] }, flag: true },
];

type Json = Record<string, unknown>;

/**
 * `payment` with `value` in every field Settle does not read, at the payment, the acted-on transaction and
 * its gateway_information, plus a second transaction made of it; each object's fields keep their order.
 */
export function withUnusedFields(payment: Json, value: unknown): Json {
  const [first, ...rest] = payment.transactions as Json[];
  const gatewayInformation = (first!.gateway_information ?? {}) as Json;
  // Spread first: a field the payment has keeps its place and takes the value.
  return {
    ...payment,
    order_id: value,
    lines: value,
    custom_attributes: value,
    transactions: [
      {
        ...first,
        payment_method: value,
        payment_submethod: value,
        gateway_information: {
          ...gatewayInformation,
          account: value,
          authorization_status: value,
          original_auth_request_id: value,
          payment_account_unique_id: value,
          custom_attributes: value,
          payment_service_response: value,
        },
        unexpected: value,
      },
      ...rest,
      { amount: value, payment_method: value, gateway_information: value },
    ],
  };
}

/** What Settle writes into the acted-on transaction's gateway_information of a capture's notification. */
const SETTLE_WRITES = ['operation_id', 'operation_status', 'payment_service_response'];

/** The payment as JSON text without what Settle writes into it: equal text means byte for byte the same. */
export function passedBackText(payment: unknown): string {
  const copy = structuredClone(payment) as { transactions: { gateway_information?: Json }[] };
  const gatewayInformation = copy.transactions[0]?.gateway_information;
  for (const key of SETTLE_WRITES) if (gatewayInformation) delete gatewayInformation[key];
  return JSON.stringify(copy);
}

/** A MIB capture of one transaction, sent to the API at `apiUrl` with an X-Settle-Signature. */
export function sendCapture(apiUrl: string, secret: string, reference: string, amount = '10.00') {
  return sendMibCommand(
    apiUrl,
    {
      jsonrpc: '2.0',
      id: `capture-${reference}`,
      method: mibMethod('capture'),
      params: {
        payment: {
          reference,
          currency: 'EUR',
          transactions: [{ amount, gateway_information: { transaction_id: `auth_${reference}` } }],
        },
      },
    },
    { secret, auth: 'signature' },
  );
}
