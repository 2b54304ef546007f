import type { PaymentCommand } from './commands';
import { PAYMENT_COMMANDS } from './commands';

/**
 * Payment workflow ids: `payment:<reference>:<command>:<fingerprint>`. The fingerprint is a hash of the
 * command's content, so a redelivered identical command maps to the same workflow and starts nothing new,
 * while a second, different partial capture of the same payment gets its own workflow.
 */
export interface PaymentWorkflowIdParts {
  readonly reference: string;
  readonly command: PaymentCommand;
  readonly fingerprint: string;
}

const PREFIX = 'payment';

export function paymentWorkflowId({ reference, command, fingerprint }: PaymentWorkflowIdParts): string {
  return [PREFIX, reference, command, fingerprint].join(':');
}

/** The twin of paymentWorkflowId; the reference may itself contain ':'. */
export function parsePaymentWorkflowId(workflowId: string): PaymentWorkflowIdParts | undefined {
  const parts = workflowId.split(':');
  if (parts.length < 4 || parts[0] !== PREFIX) return undefined;
  const fingerprint = parts.at(-1)!;
  const command = parts.at(-2)! as PaymentCommand;
  const reference = parts.slice(1, -2).join(':');
  if (!reference || !fingerprint || !PAYMENT_COMMANDS.includes(command)) return undefined;
  return { reference, command, fingerprint };
}
