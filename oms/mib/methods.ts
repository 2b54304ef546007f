import type { MibCommand, PaymentCommand } from '../../domain/commands';

/**
 * MIB's JSON-RPC methods: the payment commands and the notifications that report their outcome, one table
 * used by the intake, the reporter, the MIB client and the MIB simulator.
 */

export const MIB_PAYMENTS_CONTRACT = 'magento.payments.payments_management';

interface NotificationPair {
  /** The command reached its goal: the funds moved, the authorization is valid, the hold was released. */
  readonly succeeded: string;
  readonly failed: string;
}

export const NOTIFICATIONS: Readonly<Record<MibCommand, NotificationPair>> = {
  validate: { succeeded: 'notify_validated', failed: 'notify_validation_failed' },
  revalidate: { succeeded: 'notify_revalidated', failed: 'notify_revalidation_failed' },
  capture: { succeeded: 'notify_captured', failed: 'notify_capture_failed' },
  refund: { succeeded: 'notify_refunded', failed: 'notify_refund_failed' },
  cancel: { succeeded: 'notify_cancelled', failed: 'notify_cancellation_failed' },
};

/** Full JSON-RPC method name of a command or notification, e.g. `magento.payments.payments_management.capture`. */
export function mibMethod(name: string): string {
  return `${MIB_PAYMENTS_CONTRACT}.${name}`;
}

/**
 * MIB's five command methods (the seed's `payments_management` contract), each with the core's command kind it
 * maps to: MIB's own words, kept here so that the wire does not follow a change of the core's names.
 */
const COMMAND_OF_METHOD: ReadonlyMap<string, MibCommand> = new Map<string, MibCommand>([
  ['validate', 'validate'],
  ['revalidate', 'revalidate'],
  ['capture', 'capture'],
  ['refund', 'refund'],
  ['cancel', 'cancel'],
]);

/** MIB's command methods, by their short names (`capture`). */
export const COMMAND_METHODS: readonly string[] = [...COMMAND_OF_METHOD.keys()];

/** The command a JSON-RPC method names, or undefined when it is not a payment command. */
export function commandOfMethod(method: string): MibCommand | undefined {
  const prefix = `${MIB_PAYMENTS_CONTRACT}.`;
  return method.startsWith(prefix) ? COMMAND_OF_METHOD.get(method.slice(prefix.length)) : undefined;
}

/** Whether MIB has a notification for the command: it never asks for an `authorize`. */
export function isMibCommand(command: PaymentCommand): command is MibCommand {
  return Object.hasOwn(NOTIFICATIONS, command);
}

/** Full JSON-RPC method of the notification that reports a command's outcome; MIB has none for an authorize. */
export function notificationMethod(command: PaymentCommand, succeeded: boolean): string {
  if (!isMibCommand(command)) throw new Error(`MIB has no notification for an ${command}`);
  const pair = NOTIFICATIONS[command];
  return mibMethod(succeeded ? pair.succeeded : pair.failed);
}

/** Every notification method MIB accepts, for the simulator's validation. */
export const NOTIFICATION_METHODS: ReadonlySet<string> = new Set(
  Object.values(NOTIFICATIONS).flatMap((pair) => [mibMethod(pair.succeeded), mibMethod(pair.failed)]),
);
