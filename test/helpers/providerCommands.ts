import type { AuthorizationRequest, ProviderCommand } from '../../providers/types';

let counter = 0;

/** A provider command as the workflow sends it: a fresh workflow id, which is also the idempotency key. */
export function providerCommand(
  name: ProviderCommand['command'],
  transactionId: string,
  amountMinor = 4990,
): ProviderCommand {
  const workflowId = `payment:PAY-${++counter}:${name}:0123456789abcdef`;
  return {
    command: name,
    transactionId,
    amountMinor,
    currency: 'EUR',
    idempotencyKey: workflowId,
    workflowId,
  };
}

/** An authorization at checkout as a front door's workflow asks for it: a fresh workflow id, also the key. */
export function authorizationRequest(fields: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  const orderReference = `ORD-${++counter}`;
  const workflowId = `authorize:${orderReference}:0123456789abcdef`;
  return {
    amountMinor: 4990,
    currency: 'EUR',
    idempotencyKey: workflowId,
    workflowId,
    orderReference,
    ...fields,
  };
}
