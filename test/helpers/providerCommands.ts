import type { ProviderCommand } from '../../providers/types';

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
