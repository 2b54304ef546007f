/**
 * The payment commands Settle carries out, whichever front door they came through. Each door maps its own
 * vocabulary onto these kinds.
 */

export const PAYMENT_COMMANDS = [
  'authorize',
  'validate',
  'revalidate',
  'capture',
  'refund',
  'cancel',
] as const;
export type PaymentCommand = (typeof PAYMENT_COMMANDS)[number];

/** Commands that check an authorization rather than move money: a door may send them again, days later. */
export const CHECK_COMMANDS: ReadonlySet<PaymentCommand> = new Set(['validate', 'revalidate']);

/**
 * Commands that change something on an existing authorization at the provider, each through one idempotent
 * provider call. An `authorize` makes the authorization instead (PaymentProvider.authorize).
 */
export type ProviderAction = Exclude<PaymentCommand, 'validate' | 'authorize'>;

/** The commands MIB sends: it authorizes itself, and never asks Settle to. */
export type MibCommand = Exclude<PaymentCommand, 'authorize'>;
