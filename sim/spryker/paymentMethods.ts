import { parsePhpDate, phpTimestamp } from './messageBroker';

/**
 * The shop's list of payment methods, kept from AddPaymentMethod, UpdatePaymentMethod and DeletePaymentMethod
 * as spryker/payment's PaymentMethodUpdater keeps it: a method is keyed by provider and name; Add and Delete
 * are applied only when their timestamp is later than the one stored (PHP DateTime, to the microsecond), so
 * a late or repeated message does not undo a newer one; Update is applied as it comes; Delete hides.
 */

export interface ShopPaymentMethod {
  readonly name: string;
  readonly providerName: string;
  readonly paymentAuthorizationEndpoint?: unknown;
  readonly paymentMethodAppConfiguration?: unknown;
  readonly isHidden: boolean;
  readonly lastMessageTimestamp?: unknown;
  /** The message that last changed it. */
  readonly messageId: string;
}

export type MethodOutcome = 'saved' | 'ignored';

export const PAYMENT_METHOD_TRANSFERS: Record<string, 'add' | 'update' | 'delete'> = {
  AddPaymentMethod: 'add',
  UpdatePaymentMethod: 'update',
  DeletePaymentMethod: 'delete',
  PaymentMethodAdded: 'add',
  PaymentMethodDeleted: 'delete',
};

export function createPaymentMethodList() {
  const methods = new Map<string, ShopPaymentMethod>();

  /** Throws, as the shop does, on a body without name or provider or on a timestamp PHP cannot parse. */
  function consume(
    kind: 'add' | 'update' | 'delete',
    body: Record<string, unknown>,
    timestamp: unknown,
    messageId: string,
  ): MethodOutcome {
    const { name, providerName } = body;
    if (typeof name !== 'string' || !name || typeof providerName !== 'string' || !providerName) {
      throw new Error('Required property "name" or "providerName" is missing');
    }
    const key = `${providerName}-${name}`.toLowerCase();
    const existing = methods.get(key);
    if (kind !== 'update' && existing && !isNewer(timestamp, existing.lastMessageTimestamp)) return 'ignored';
    const fields = {
      ...existing,
      name,
      providerName,
      ...(body.paymentAuthorizationEndpoint !== undefined && {
        paymentAuthorizationEndpoint: body.paymentAuthorizationEndpoint,
      }),
      ...(body.paymentMethodAppConfiguration !== undefined && {
        paymentMethodAppConfiguration: body.paymentMethodAppConfiguration,
      }),
      messageId,
    };
    methods.set(key, {
      ...fields,
      isHidden: kind === 'delete' ? true : kind === 'add' ? false : (existing?.isHidden ?? false),
      lastMessageTimestamp: kind === 'update' ? existing?.lastMessageTimestamp : timestamp || phpTimestamp(),
    });
    return 'saved';
  }

  return { consume, list: () => [...methods.values()] };
}

/** PaymentMethodUpdater::canSavePaymentMethod. */
function isNewer(current: unknown, last: unknown): boolean {
  if (!current || !last) return true;
  return parsePhpDate(last) < parsePhpDate(current);
}
