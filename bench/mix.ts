import { type PaymentCommand } from '../domain/commands';
import { mibMethod, notificationMethod } from '../oms/mib/methods';
import type { SettlementMode } from '../sim/gateway/server';

/**
 * The commands the benchmark sends: a realistic mix of the four MIB commands, half answered by the gateway
 * at once and half settled later by its webhook. Each command is a payment of its own, on an authorization
 * set up so that the command makes sense (a refund's authorization was captured at checkout), so every
 * command must end in its success notification.
 */

export interface MixEntry {
  readonly command: Exclude<PaymentCommand, 'revalidate'>;
  /** How the gateway settles the operation; a validate only reads the authorization. */
  readonly settlement: SettlementMode;
}

/** Repeated in this order: 2 validate, 3 capture, 2 refund, 1 cancel; 4 of the 8 wait for a webhook. */
export const MIX: readonly MixEntry[] = [
  { command: 'validate', settlement: 'immediate' },
  { command: 'capture', settlement: 'pending' },
  { command: 'capture', settlement: 'immediate' },
  { command: 'refund', settlement: 'pending' },
  { command: 'validate', settlement: 'immediate' },
  { command: 'capture', settlement: 'pending' },
  { command: 'refund', settlement: 'immediate' },
  { command: 'cancel', settlement: 'pending' },
];

/** Activities one command runs: the provider call (or the authorization read) and the notification. */
export const ACTIVITIES_PER_COMMAND = 2;

const AUTHORIZED_MINOR = 10_000;

export interface BenchCommand extends MixEntry {
  readonly reference: string;
  readonly authorizationId: string;
  /** The notification MIB must receive. */
  readonly expected: string;
  readonly message: object;
}

/** Command `index` of a phase, from the mix (or always `only`, for the waiting payments). */
export function benchCommand(phase: string, index: number, only?: MixEntry): BenchCommand {
  const entry = only ?? MIX[index % MIX.length]!;
  const reference = `${phase}-${index}`;
  const authorizationId = `auth_${phase}_${index}`;
  return {
    ...entry,
    reference,
    authorizationId,
    expected: notificationMethod(entry.command, true),
    message: {
      jsonrpc: '2.0',
      id: reference,
      method: mibMethod(entry.command),
      params: { payment: paymentOf(reference, authorizationId) },
    },
  };
}

/** A payment model of the size MIB sends: one card transaction and two order lines. */
function paymentOf(reference: string, transactionId: string) {
  return {
    reference,
    currency: 'EUR',
    transactions: [
      {
        payment_method: 'card',
        payment_submethod: 'visa',
        amount: '49.90',
        gateway_information: {
          gateway_id: 'gateway',
          transaction_id: transactionId,
          account: '4111 **** **** 1111',
          payment_account_unique_id: `pau_${reference}`,
          custom_attributes: [{ name: 'three_ds', value: 'authenticated' }],
        },
      },
    ],
    lines: [
      { sku: 'SKU-1001', name: 'Espresso machine', quantity: 1, amount: '39.90' },
      { sku: 'SHIP-STD', name: 'Standard shipping', quantity: 1, amount: '10.00' },
    ],
  };
}

/** The gateway's authorization for a command: its settlement mode, and captured already for a refund. */
export function authorizationFor(command: BenchCommand) {
  return {
    id: command.authorizationId,
    amount: AUTHORIZED_MINOR,
    currency: 'EUR',
    settlement: command.settlement,
    ...(command.command === 'refund' ? { captured: AUTHORIZED_MINOR } : {}),
  };
}
