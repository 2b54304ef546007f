/**
 * The payment commands Settle carries out, whichever front door they came through. Each door maps its own
 * vocabulary onto these kinds.
 */

export const PAYMENT_COMMANDS = ['validate', 'revalidate', 'capture', 'refund', 'cancel'] as const;
export type PaymentCommand = (typeof PAYMENT_COMMANDS)[number];

/** Commands that check an authorization rather than move money: a door may send them again, days later. */
export const CHECK_COMMANDS: ReadonlySet<PaymentCommand> = new Set(['validate', 'revalidate']);

/** Commands that change something at the provider, each through one idempotent provider call. */
export type ProviderAction = Exclude<PaymentCommand, 'validate'>;
