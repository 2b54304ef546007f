import type { OutcomeReport } from '../../domain/outcome';
import type { Payment } from './payment';

export interface NotificationRequest {
  readonly jsonrpc: '2.0';
  /** Stable per workflow and method, so MIB can drop a redelivered notification. */
  readonly id: string;
  readonly method: string;
  readonly params: { payment: Payment; reason?: string };
}

/**
 * The notification MIB receives: the command's payment model as MIB sent it, with the gateway's result
 * merged into the acted-on (first) transaction's gateway_information (gateway_id where it had none,
 * operation_id, operation_status, payment_service_response); a failure carries its reason.
 * A validate or revalidate also reports the authorization: its status, and for a revalidate that obtained a
 * new authorization, the new transaction id in place of the expired one.
 */
export function buildNotification(
  id: string,
  method: string,
  payment: Payment,
  result: OutcomeReport,
): NotificationRequest {
  const [first, ...rest] = payment.transactions;
  // Spread, not rebuilt: every field Settle does not write keeps its value and its place.
  const gatewayInformation = {
    ...first.gateway_information,
    gateway_id: first.gateway_information?.gateway_id ?? result.provider,
    operation_id: result.operationId,
    operation_status: result.status,
    ...(result.authorization
      ? {
          transaction_id: result.authorization.transactionId,
          authorization_status: result.authorization.status,
        }
      : {}),
    payment_service_response: JSON.stringify(result),
  };
  const merged: Payment = {
    ...payment,
    transactions: [{ ...first, gateway_information: gatewayInformation }, ...rest],
  };
  const params =
    result.outcome === 'declined'
      ? { payment: merged, reason: result.reason ?? result.status }
      : { payment: merged };
  return { jsonrpc: '2.0', id, method, params };
}
