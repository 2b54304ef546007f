/** What the benchmark's shops of the doors with orders (Spryker's, Deity's) share: their events, their load. */

/** An event the shop's consumer took, once. */
export interface ShopEvent {
  readonly messageId: string;
  /** Its name (Spryker's message name, Deity's payment status). */
  readonly name: string;
  readonly orderReference: string;
  readonly receivedAt: number;
}

/** What the shop's consumer has taken so far. */
export interface ShopConsumer {
  readonly events: readonly ShopEvent[];
  /** Events that came again under another id, or were handed out again after they were acknowledged. */
  readonly duplicated: number;
}

export interface ShopOrderRef {
  readonly orderReference: string;
}

/** Of `count` commands one in five is a refund of an order another one captured: the orders and the refunds. */
export function splitLoad(count: number): { orders: number; refunds: number } {
  const refunds = Math.floor(count / 5);
  return { orders: count - refunds, refunds };
}
