/**
 * The payment part of a shop's order state machine, as Spryker's ForeignPaymentStateMachine01 and its
 * subprocesses PaymentAuthorization01, PaymentCapture01, PaymentRefund01 and PaymentCancel01 declare it
 * (spryker/sales-payment config/Zed/Oms). State names are the shop's own:
 *
 *   new → `payment pending` → `payment authorized` | `payment authorization failed`
 *   capture: `payment capture ready` → `payment capture pending` → `payment captured` | `payment failed`
 *   refund:  `payment refund ready` → `payment refund pending` → `payment refund succeeded` | `payment refund failed`;
 *            a manual `confirm payment refund` moves `payment refund succeeded` to `payment refunded`
 *   cancel:  `payment cancellation ready` → `payment cancellation pending` → `payment cancelled` |
 *            `payment cancellation failed`
 *
 * Supply, return and close are left out: the simulated shop refunds straight from `payment captured`.
 */

export const OMS_STATES = {
  new: 'new',
  pending: 'payment pending',
  authorized: 'payment authorized',
  authorizationFailed: 'payment authorization failed',
  authorizationCanceled: 'payment authorization canceled',
  captureReady: 'payment capture ready',
  capturePending: 'payment capture pending',
  captured: 'payment captured',
  captureFailed: 'payment failed',
  underpaid: 'payment underpaid',
  refundReady: 'payment refund ready',
  refundPending: 'payment refund pending',
  refundSucceeded: 'payment refund succeeded',
  refundFailed: 'payment refund failed',
  refunded: 'payment refunded',
  cancellationReady: 'payment cancellation ready',
  cancellationPending: 'payment cancellation pending',
  cancelled: 'payment cancelled',
  cancellationFailed: 'payment cancellation failed',
} as const;

export type OmsState = (typeof OMS_STATES)[keyof typeof OMS_STATES];
const S = OMS_STATES;

/** Event → (source state → target state), for the events a message or the back office fires. */
export const OMS_EVENTS: Record<string, Partial<Record<OmsState, OmsState>>> = {
  created: { [S.new]: S.pending },
  'payment authorization successful': { [S.pending]: S.authorized },
  'payment authorization failed': { [S.pending]: S.authorizationFailed },
  'capture payment': { [S.authorized]: S.captureReady },
  'retry payment': { [S.captureFailed]: S.captureReady },
  'start payment capture': { [S.captureReady]: S.capturePending },
  'payment capture successful': { [S.capturePending]: S.captured },
  'payment capture failed': { [S.capturePending]: S.captureFailed },
  // Stands for the shop's supply and return subprocesses, which end in `refund` from `returned`.
  refund: { [S.captured]: S.refundReady },
  'retry payment refund': { [S.refundFailed]: S.refundReady },
  'start refund': { [S.refundReady]: S.refundPending },
  'payment refund successful': { [S.refundPending]: S.refundSucceeded, [S.refundFailed]: S.refundSucceeded },
  'payment refund failed': { [S.refundPending]: S.refundFailed, [S.refundSucceeded]: S.refundFailed },
  'confirm payment refund': { [S.refundSucceeded]: S.refunded },
  cancel: {
    [S.pending]: S.cancellationReady,
    [S.authorized]: S.cancellationReady,
    [S.authorizationFailed]: S.authorizationCanceled,
    [S.authorizationCanceled]: S.cancellationReady,
  },
  'retry payment cancellation': { [S.cancellationFailed]: S.cancellationReady },
  'start payment cancellation': { [S.cancellationReady]: S.cancellationPending },
  'payment cancellation successful': { [S.cancellationPending]: S.cancelled },
  'payment cancellation failed': { [S.cancellationPending]: S.cancellationFailed },
};

export type Operation = 'capture' | 'refund' | 'cancel';

/**
 * What the back office does to start an operation: the manual events that lead to the ready state, then the
 * onEnter event whose command sends the message.
 */
export const OPERATIONS: Record<
  Operation,
  { entry: readonly string[]; ready: OmsState; start: string; pending: OmsState }
> = {
  capture: {
    entry: ['capture payment', 'retry payment'],
    ready: S.captureReady,
    start: 'start payment capture',
    pending: S.capturePending,
  },
  refund: {
    entry: ['refund', 'retry payment refund'],
    ready: S.refundReady,
    start: 'start refund',
    pending: S.refundPending,
  },
  cancel: {
    entry: ['cancel', 'retry payment cancellation'],
    ready: S.cancellationReady,
    start: 'start payment cancellation',
    pending: S.cancellationPending,
  },
};

/** SalesPaymentConfig: no capture or refund is sent while any item of the order is in one of these. */
export const BLOCKING_STATES: readonly OmsState[] = [S.capturePending, S.refundPending];

/** SalesPaymentConfig::getCapturePaymentStates: once an item was here, captures stop adding the expenses. */
export const CAPTURED_STATES: readonly OmsState[] = [S.captured];

/** SalesPaymentConfig::getItemRefusedStates: the last refund adds the expenses once every other item is here. */
export const REFUSED_STATES: readonly string[] = [S.refunded, 'canceled'];

/** The states, in order, an item passes through from `from` to the ready state of an operation; null if it cannot. */
export function pathToReady(
  from: OmsState,
  operation: Operation,
): { event: string; state: OmsState }[] | null {
  const { entry, ready } = OPERATIONS[operation];
  const path: { event: string; state: OmsState }[] = [];
  let state = from;
  while (state !== ready) {
    const event = entry.find((e) => OMS_EVENTS[e]?.[state]);
    if (!event || path.length > 3) return null;
    state = OMS_EVENTS[event]![state]!;
    path.push({ event, state });
  }
  return path.length > 0 ? path : null;
}

/** Event mode: a payment message fires this OMS event for the items it lists (PaymentConfig). */
export const MESSAGE_OMS_EVENTS: Record<string, string> = {
  PaymentAuthorized: 'payment authorization successful',
  PaymentAuthorizationFailed: 'payment authorization failed',
  PaymentCaptured: 'payment capture successful',
  PaymentCaptureFailed: 'payment capture failed',
  PaymentRefunded: 'payment refund successful',
  PaymentRefundFailed: 'payment refund failed',
  PaymentCanceled: 'payment cancellation successful',
  PaymentCancellationFailed: 'payment cancellation failed',
  // Deprecated names whose handlers still convert them.
  PaymentPreauthorized: 'payment authorization successful',
  PaymentPreauthorizationFailed: 'payment authorization failed',
  PaymentReservationCanceled: 'payment cancellation successful',
};

/** Deprecated names the event-mode handler lists but whose handler methods no longer exist: handling throws. */
export const BROKEN_EVENT_HANDLERS: ReadonlySet<string> = new Set([
  'PaymentConfirmed',
  'PaymentConfirmationFailed',
  'PaymentCancelReservationFailed',
]);

/** Conditional mode: the one status per order a message stores (PaymentMessageMapper). */
export const MESSAGE_STATUSES: Record<string, string> = {
  PaymentAuthorized: 'authorized',
  PaymentAuthorizationFailed: 'authorization_failed',
  PaymentCaptured: 'captured',
  PaymentPartiallyCaptured: 'partially captured',
  PaymentCaptureFailed: 'capture_failed',
  PaymentCanceled: 'canceled',
  PaymentCancellationFailed: 'cancellation_failed',
  PaymentOverpaid: 'overpaid',
  PaymentUnderpaid: 'underpaid',
  PaymentRefunded: 'refunded',
  PaymentPartiallyRefunded: 'partially refunded',
  PaymentRefundFailed: 'refund failed',
};

/** PaymentAppConfig::STATUS_MAP: a check for the key passes on any listed status; other checks match exactly. */
export const STATUS_MAP: Record<string, readonly string[]> = {
  authorized: ['authorized', 'captured', 'capture_failed', 'underpaid', 'overpaid'],
  captured: ['captured', 'partially captured', 'overpaid'],
  refunded: ['refunded', 'partially refunded'],
};

const CONDITION_STATUSES: Record<string, string> = {
  'Payment/IsAuthorized': 'authorized',
  'Payment/IsAuthorizationFailed': 'authorization_failed',
  'Payment/IsCaptured': 'captured',
  'Payment/IsCaptureFailed': 'capture_failed',
  'Payment/IsUnderpaid': 'underpaid',
  'Payment/IsCanceled': 'canceled',
  'Payment/IsCancellationFailed': 'cancellation_failed',
  'Payment/IsRefunded': 'refunded',
  'Payment/IsRefundFailed': 'refund failed',
};

export function conditionPasses(condition: string, status: string | undefined): boolean {
  const expected = CONDITION_STATUSES[condition];
  if (!expected || status === undefined) return false;
  return (STATUS_MAP[expected] ?? [expected]).includes(status);
}

/**
 * The transitions without an event, in the order the merged process declares them: the main process, then
 * PaymentAuthorization, PaymentCapture, PaymentRefund and PaymentCancel. The default PaymentRefund01 has no
 * conditions; the two refund ones are what a shop adds with the IsRefunded and IsRefundFailed plugins.
 */
const CONDITIONAL_TRANSITIONS: readonly { from: OmsState; condition: string; to: OmsState }[] = [
  { from: S.pending, condition: 'Payment/IsCaptureFailed', to: S.captureFailed },
  { from: S.pending, condition: 'Payment/IsCaptured', to: S.captured },
  { from: S.pending, condition: 'Payment/IsAuthorized', to: S.authorized },
  { from: S.authorizationFailed, condition: 'Payment/IsAuthorized', to: S.authorized },
  { from: S.pending, condition: 'Payment/IsAuthorizationFailed', to: S.authorizationFailed },
  { from: S.authorized, condition: 'Payment/IsCaptured', to: S.captured },
  { from: S.capturePending, condition: 'Payment/IsCaptured', to: S.captured },
  { from: S.capturePending, condition: 'Payment/IsUnderpaid', to: S.captureFailed },
  { from: S.capturePending, condition: 'Payment/IsCaptureFailed', to: S.captureFailed },
  { from: S.captureFailed, condition: 'Payment/IsUnderpaid', to: S.underpaid },
  { from: S.refundPending, condition: 'Payment/IsRefunded', to: S.refundSucceeded },
  { from: S.refundPending, condition: 'Payment/IsRefundFailed', to: S.refundFailed },
  { from: S.pending, condition: 'Payment/IsCanceled', to: S.cancelled },
  { from: S.cancellationPending, condition: 'Payment/IsCanceled', to: S.cancelled },
  { from: S.cancellationPending, condition: 'Payment/IsCancellationFailed', to: S.cancellationFailed },
];

/**
 * One check-condition step for an item: the OMS puts each passing transition in front of the others, so the
 * LAST passing one in declaration order wins (with `captured`, `payment pending` goes to `payment authorized`
 * first and to `payment captured` on the next check).
 */
export function conditionalTarget(
  state: string,
  status: string | undefined,
): { condition: string; to: OmsState } | null {
  let chosen: { condition: string; to: OmsState } | null = null;
  for (const t of CONDITIONAL_TRANSITIONS) {
    if (t.from === state && conditionPasses(t.condition, status))
      chosen = { condition: t.condition, to: t.to };
  }
  return chosen;
}

/** The transfers the shop knows, so can decode; any other name stays on the bus undecoded. */
export const KNOWN_TRANSFERS: ReadonlySet<string> = new Set([
  ...Object.keys(MESSAGE_OMS_EVENTS),
  ...Object.keys(MESSAGE_STATUSES),
  ...BROKEN_EVENT_HANDLERS,
  'AddPaymentMethod',
  'UpdatePaymentMethod',
  'DeletePaymentMethod',
  'PaymentMethodAdded',
  'PaymentMethodDeleted',
  'PaymentCreated',
  'PaymentUpdated',
  'CapturePayment',
  'CancelPayment',
  'RefundPayment',
  'PaymentConfirmationRequested',
  'PaymentCancelReservationRequested',
  'PaymentRefundRequested',
  'AppConfigUpdated',
]);
