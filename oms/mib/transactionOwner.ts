import { concurrencyLimit } from '../../domain/concurrency';
import { orderDoorOf } from '../../domain/orderPayment';
import type { PaymentCommand } from '../../domain/commands';
import type { AuthorizationRecord, PaymentProvider } from '../../providers/types';

/**
 * Whether MIB may act on a transaction. An authorization Settle made at an order door's checkout (Spryker,
 * Deity) belongs to that door: its order's payment keeps what was authorized, captured and refunded, and a
 * capture, refund or cancel from MIB would bypass it. The owner is written on the authorization itself at
 * checkout (the provider's metadata names the order's workflow), so the intake asks the provider — once per
 * transaction and process, the owner never changing — before it starts anything. A revalidate is held to
 * the authorization's amount: it may not place a larger hold.
 */

/** How long the intake waits for the provider's answer before telling MIB to deliver the command again. */
export const OWNER_LOOKUP_DEADLINE_MS = 10_000;
/** Provider reads in flight at once per API process; a batch of 100 commands waits its turn. */
const MAX_LOOKUPS_IN_FLIGHT = 16;
/** Transactions remembered; past it the oldest is forgotten (and read again if named again). */
const MAX_REMEMBERED = 10_000;

export class OwnerLookupError extends Error {
  override readonly name = 'OwnerLookupError';
}

const remembered = new Map<string, AuthorizationRecord | undefined>();
const lookups = concurrencyLimit(MAX_LOOKUPS_IN_FLIGHT);

/** What the provider holds of the transaction; undefined for a provider that never authorizes at checkout. */
async function recordOf(
  provider: PaymentProvider,
  transactionId: string,
): Promise<AuthorizationRecord | undefined> {
  if (!provider.authorizationRecord) return undefined;
  const key = `${provider.name}\u0000${transactionId}`;
  if (remembered.has(key)) return remembered.get(key);
  const record = await lookups.run(() => withDeadline(provider.authorizationRecord!(transactionId)));
  // Not remembered unless found: an id the provider does not know yet tells nothing for later.
  if (record) {
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, record);
  }
  return record;
}

async function withDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OwnerLookupError(`no answer within ${OWNER_LOOKUP_DEADLINE_MS / 1000} s`)),
      OWNER_LOOKUP_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why MIB may not send a command: the field of the acted-on transaction at fault, and why (safe to show MIB). */
export interface MibRefusal {
  readonly field: 'gateway_information.transaction_id' | 'amount';
  readonly message: string;
}

/**
 * Why MIB may not send `command` on the transaction, or undefined when it may. Throws OwnerLookupError when
 * the provider could not be asked: the command may be delivered again.
 */
export async function mibRefusalOf(
  provider: PaymentProvider,
  transactionId: string,
  command: PaymentCommand,
  amountMinor: number,
): Promise<MibRefusal | undefined> {
  let record: AuthorizationRecord | undefined;
  try {
    record = await recordOf(provider, transactionId);
  } catch (error) {
    if (error instanceof OwnerLookupError) throw error;
    throw new OwnerLookupError((error as Error).message);
  }
  const door = record?.createdBy ? orderDoorOf(record.createdBy) : undefined;
  if (door) {
    return {
      field: 'gateway_information.transaction_id',
      message: `belongs to an order of Settle's ${door} door, which authorized it at checkout: only that door may act on it`,
    };
  }
  if (command === 'revalidate' && record?.amountMinor !== undefined && amountMinor > record.amountMinor) {
    return {
      field: 'amount',
      message: `a revalidation holds at most the authorization's amount (${record.amountMinor} minor units)`,
    };
  }
  return undefined;
}
