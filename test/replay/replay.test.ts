import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { PAGE_EXPIRED_REASON } from '../../domain/checkout';
import { prebuiltBundle, quietRuntime } from '../helpers/temporal';
import { REPLAY_DIR } from '../helpers/paths';

/**
 * Today's workflow code must replay every recorded history (`npm run record:replay` records them): a change
 * that alters a recorded path would break running payments. Before the first tagged release such a change
 * re-records the histories; after it, the change is patched (CONTRIBUTING.md).
 */
const files = readdirSync(REPLAY_DIR).filter((file) => file.endsWith('.json'));
const load = (file: string) => JSON.parse(readFileSync(join(REPLAY_DIR, file), 'utf8')) as ReplayHistory;

interface ReplayHistory {
  events: {
    eventType: string;
    workflowExecutionStartedEventAttributes?: { workflowId?: string };
    activityTaskScheduledEventAttributes?: { activityType: { name: string }; input?: Payloads };
    startChildWorkflowExecutionInitiatedEventAttributes?: { workflowType: { name: string } };
    workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { name: string } } };
    workflowExecutionSignaledEventAttributes?: { signalName: string };
    workflowExecutionCompletedEventAttributes?: { result?: Payloads };
  }[];
}

interface Payloads {
  payloads: { data: string }[];
}
/** A payload's JSON (the recorder's histories are not encrypted). */
const valueOf = (payloads: Payloads | undefined): unknown =>
  JSON.parse(Buffer.from(payloads!.payloads[0]!.data, 'base64').toString('utf8'));

/**
 * The workflow id the history ran under, as its start event holds it (the recorder refuses a history without
 * it): workflow code derives ids from its own (an order's authorize command is `<order's id>:authorize`), so
 * a replay under another id would start other children than the recorded ones.
 */
const workflowIdOf = (history: ReplayHistory): string => {
  const workflowId = history.events[0]?.workflowExecutionStartedEventAttributes?.workflowId;
  if (!workflowId) throw new Error('the history does not start with a start event holding its workflow id');
  return workflowId;
};
const replay = (history: ReplayHistory) =>
  Worker.runReplayHistory(prebuiltBundle, history, workflowIdOf(history));

type AttemptEvent = { activityTaskStartedEventAttributes?: { attempt?: number } };

describe('replay of recorded histories', () => {
  beforeAll(quietRuntime);

  const activitiesOf = (file: string) =>
    load(file)
      .events.map((event) => event.activityTaskScheduledEventAttributes?.activityType.name)
      .filter(Boolean);
  const eventTypesOf = (file: string) => load(file).events.map((event) => event.eventType);
  const updatesOf = (file: string) =>
    load(file)
      .events.map((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest.input.name)
      .filter(Boolean);
  const signalsOf = (file: string) =>
    load(file)
      .events.map((event) => event.workflowExecutionSignaledEventAttributes?.signalName)
      .filter(Boolean);
  const resultOf = (file: string) =>
    valueOf(load(file).events.at(-1)!.workflowExecutionCompletedEventAttributes?.result);
  /** What the command reported through its door (its reportOutcome's input). */
  const reportOf = (file: string) =>
    valueOf(
      load(file).events.find(
        (event) => event.activityTaskScheduledEventAttributes?.activityType.name === 'reportOutcome',
      )!.activityTaskScheduledEventAttributes!.input,
    );

  it('has each main path, and each recorded history shows the path it is named for', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'capture-settled-by-webhook.json',
        'refund-settled-by-polling.json',
        'capture-declined.json',
        'cancel-stuck-then-resolved.json',
        'capture-retried-through-outage.json',
        'capture-answer-lost-then-found.json',
        'cancel-waiting-for-capture.json',
        // A command's turn at the provider, a child workflow, replays from its own history.
        'capture-retried-through-outage--turn.json',
        // A Spryker order, its tenant's payment-events mailbox, one of its commands, and the announcement.
        'spryker-order-capture-refund-cancel--order.json',
        'spryker-order-capture-refund-cancel--mailbox.json',
        'spryker-order-capture-refund-cancel--capture.json',
        // An order checked out on the payment page (3-D Secure passed): the order, which acts for its
        // authorize, and the authorize.
        'spryker-order-paid-on-page--order.json',
        'spryker-order-paid-on-page--authorize.json',
        // A page abandoned until it expired: the authorize declined.
        'spryker-page-expired--authorize.json',
        // The tenant's connection, and a message dropped for an order Settle does not know.
        'spryker-tenant-connected.json',
        'spryker-message-dropped.json',
        'announce-payment-methods.json',
      ]),
    );
    expect(eventTypesOf('capture-settled-by-webhook.json')).toContain(
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
    );
    expect(activitiesOf('refund-settled-by-polling.json')).toContain('fetchProviderStatus');
    expect(eventTypesOf('cancel-stuck-then-resolved.json')).toContain(
      'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
    );
    // Retries leave no events but the attempt number of the call that finally went through: the local
    // attempt failed (a marker), the activity's first failed, its second went through.
    const attempts = (load('capture-retried-through-outage--turn.json').events as AttemptEvent[]).map(
      (event) => event.activityTaskStartedEventAttributes?.attempt ?? 0,
    );
    expect(Math.max(...attempts)).toBe(2);
    expect(eventTypesOf('capture-retried-through-outage--turn.json')).toContain('EVENT_TYPE_MARKER_RECORDED');
    expect(activitiesOf('capture-answer-lost-then-found.json')).toContain('fetchProviderStatus');
    // A command takes the payment's turn by starting its act; the report goes through the door.
    expect(eventTypesOf('capture-settled-by-webhook.json')).toContain(
      'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED',
    );
    expect(activitiesOf('capture-settled-by-webhook.json')).toEqual(['reportOutcome']);
    // A cancel that arrives while the capture acts finds the turn taken, asks the capture to tell it when its
    // act ends (turnWanted), is told (turnFree) before its fallback look fires, and takes the turn after.
    const waiting = 'cancel-waiting-for-capture.json';
    expect(eventTypesOf(waiting)).toEqual(
      expect.arrayContaining([
        'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED',
        'EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
        'EVENT_TYPE_TIMER_CANCELED',
        'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED',
      ]),
    );
    expect(eventTypesOf(waiting)).not.toContain('EVENT_TYPE_TIMER_FIRED');
    expect(signalsOf(waiting)).toEqual(['turnFree']);
    // The order opens its checkout (its authorize command, a child), admits each command by starting it as a
    // child, acts for each at the provider (a local activity, a marker) and tells it the answer, takes each
    // outcome, and is still running (an order lives on after its commands), as is its mailbox.
    const order = 'spryker-order-capture-refund-cancel--order.json';
    expect(updatesOf(order)).toEqual([
      'openCheckout',
      'recordOutcome',
      'admitCommand',
      'recordOutcome',
      'admitCommand',
      'recordOutcome',
      'admitCommand',
      'recordOutcome',
    ]);
    expect(activitiesOf(order)).toEqual([]);
    // Four acts and four command starts, each a local activity's marker; no child workflow.
    expect(eventTypesOf(order).filter((type) => type === 'EVENT_TYPE_MARKER_RECORDED')).toHaveLength(8);
    expect(eventTypesOf(order).filter((type) => type.includes('CHILD'))).toEqual([]);
    // The order acted, then started the capture with the provider's answer: no signal carried it.
    expect(signalsOf('spryker-order-capture-refund-cancel--capture.json')).not.toContain('actAnswered');
    expect(activitiesOf('spryker-order-capture-refund-cancel--authorize.json')).toEqual(['reportOutcome']);
    const mailbox = 'spryker-order-capture-refund-cancel--mailbox.json';
    expect(new Set(updatesOf(mailbox))).toEqual(new Set(['acknowledge']));
    expect(eventTypesOf(mailbox)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    expect(activitiesOf('spryker-order-capture-refund-cancel--capture.json')).toEqual(['reportOutcome']);
    // On the payment page, the order opens the page's session, then starts its authorize (a local activity and a
    // marker each) with the answer; the gateway's webhook, the provider's event, settles the authorize before the
    // report.
    const pageOrder = 'spryker-order-paid-on-page--order.json';
    expect(updatesOf(pageOrder)).toEqual(['openCheckout', 'recordOutcome']);
    expect(signalsOf(pageOrder)).toEqual([]);
    expect(eventTypesOf(pageOrder)).toContain('EVENT_TYPE_MARKER_RECORDED');
    expect(eventTypesOf(pageOrder).filter((type) => type === 'EVENT_TYPE_MARKER_RECORDED')).toHaveLength(2);
    expect(eventTypesOf(pageOrder).filter((type) => type.includes('CHILD'))).toEqual([]);
    const pageAuthorize = 'spryker-order-paid-on-page--authorize.json';
    expect(signalsOf(pageAuthorize)).toEqual(['providerEvent']);
    expect(eventTypesOf(pageAuthorize)).not.toContain('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED');
    expect(activitiesOf(pageAuthorize)).not.toContain('closeCheckoutSession');
    expect(activitiesOf(pageAuthorize).at(-1)).toBe('reportOutcome');
    expect(reportOf(pageAuthorize)).toMatchObject({ command: 'authorize', result: { outcome: 'settled' } });
    // Abandoned, the page expires: the authorize asks the gateway, closes the session and declines; no provider
    // event came, and the order's answer (the session) came with its start.
    const expired = 'spryker-page-expired--authorize.json';
    expect(signalsOf(expired)).toEqual([]);
    expect(activitiesOf(expired).slice(-3)).toEqual([
      'findAuthorization',
      'closeCheckoutSession',
      'reportOutcome',
    ]);
    expect(reportOf(expired)).toMatchObject({
      command: 'authorize',
      result: { outcome: 'declined', reason: PAGE_EXPIRED_REASON },
    });
    expect(resultOf(expired)).toMatchObject({ outcome: 'declined', reported: 'PaymentAuthorizationFailed' });
    // The tenant's connection: configured once, announced to its shop, and still running.
    const tenant = 'spryker-tenant-connected.json';
    expect(updatesOf(tenant)).toEqual(['configureTenant']);
    expect(activitiesOf(tenant)).toEqual(['announceSprykerAppConfig']);
    // A dropped message's record ends at once, with the drop as its result.
    expect(resultOf('spryker-message-dropped.json')).toMatchObject({
      messageName: 'CapturePayment',
      reason: 'unknown-order',
    });
    for (const running of [order, mailbox, pageOrder, tenant])
      expect(eventTypesOf(running)).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(activitiesOf('announce-payment-methods.json')).toEqual(['announceSprykerPaymentMethods']);
    // One generation: no version markers.
    for (const file of files) expect(JSON.stringify(load(file))).not.toContain('TemporalChangeVersion');
  });

  it.each(files)('replays %s', async (file) => {
    await expect(replay(load(file))).resolves.toBeUndefined();
  });

  /** Alterations of a history's first command: what the code would have to produce instead. */
  const ALTERATIONS = {
    'an activity of another type': (history: ReplayHistory) => {
      const scheduled = history.events.find((event) => event.activityTaskScheduledEventAttributes)!;
      scheduled.activityTaskScheduledEventAttributes!.activityType.name = 'someOtherActivity';
    },
    'a child workflow of another type': (history: ReplayHistory) => {
      const started = history.events.find(
        (event) => event.startChildWorkflowExecutionInitiatedEventAttributes,
      )!;
      started.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType.name = 'someOtherWorkflow';
    },
  } as const;

  it.each([
    ['capture-settled-by-webhook.json', 'an activity of another type'],
    ['capture-settled-by-webhook.json', 'a child workflow of another type'],
  ] as const)(
    'catches a history whose command sequence the code no longer produces (%s, with %s)',
    async (file, alteration) => {
      // As recorded it replays (under its own workflow id): the violation below is the alteration's alone.
      await expect(replay(load(file))).resolves.toBeUndefined();
      const history = load(file);
      ALTERATIONS[alteration](history);
      await expect(replay(history)).rejects.toBeInstanceOf(DeterminismViolationError);
    },
  );
});
