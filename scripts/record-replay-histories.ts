import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { type PaymentCommand } from '../domain/commands';
import { mibMethod } from '../oms/mib/methods';
import { sendMibCommand } from '../sim/mib/sendCommand';
import { installRuntime } from '../worker/runtime';
import { type PaymentCommandResult } from '../workflows/paymentCommand';
import { resolveUpdate, statusQuery } from '../workflows/messages';
import { createDevServerEnv } from './ephemeralTemporal';
import { startStack, type Stack } from './stack';

/**
 * `npm run record:replay`: runs each main path of the payment workflow on a fresh dev server, through the
 * real API, worker and simulators, and writes its history to test/replay/histories/<name>.json. The replay
 * test then checks that today's workflow code still replays every recorded path. A command's act at the
 * provider (a child workflow) is written beside it as <name>--act.json. Until the first tagged release a
 * workflow change re-records them all; from then on, a change that alters a recorded path is patched and the
 * histories of the released paths are kept (CONTRIBUTING.md).
 */

const OUT = resolve(__dirname, '..', 'test', 'replay', 'histories');
/** Where the gateway's webhooks go when a path must be found by polling: nowhere. */
const NO_WEBHOOKS = 'http://127.0.0.1:9/webhooks-never-arrive';

type GatewayControl = Stack['gateway']['sim']['control'];

interface Scenario {
  readonly name: string;
  readonly command: PaymentCommand;
  readonly gateway: Partial<GatewayControl>;
  /** Runs before the command (e.g. the capture a refund needs). */
  readonly before?: (stack: Stack, reference: string) => Promise<void>;
  /** Runs while the command waits (e.g. an operator's resolution). */
  readonly during?: (handle: WorkflowHandle) => Promise<void>;
  /** The notification the run must end with, so that a history is never recorded under the wrong name. */
  readonly notification: string;
}

const BASELINE: Partial<GatewayControl> = {
  mode: 'pending',
  webhookDelayMs: 300,
  failNext: 0,
  declineNext: 0,
  loseAnswerNext: 0,
  answerDelayMs: 0,
};

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'capture-settled-by-webhook',
    command: 'capture',
    gateway: {},
    notification: 'notify_captured',
  },
  {
    name: 'refund-settled-by-polling',
    command: 'refund',
    before: (stack, reference) => send(stack, 'capture', reference),
    gateway: { webhookDelayMs: 200, webhookUrl: NO_WEBHOOKS },
    notification: 'notify_refunded',
  },
  {
    name: 'capture-declined',
    command: 'capture',
    gateway: { mode: 'immediate', declineNext: 1 },
    notification: 'notify_capture_failed',
  },
  {
    name: 'cancel-stuck-then-resolved',
    command: 'cancel',
    gateway: { webhookDelayMs: 3_600_000, webhookUrl: NO_WEBHOOKS },
    during: async (handle) => {
      await until(async () => (await handle.query(statusQuery)).phase === 'stuck');
      await handle.executeUpdate(resolveUpdate, {
        args: [
          { outcome: 'settled', reason: 'hold released, seen in the bank statement', operator: 'recorder' },
        ],
      });
    },
    notification: 'notify_cancelled',
  },
  {
    name: 'capture-retried-through-outage',
    command: 'capture',
    gateway: { failNext: 2, failStatus: 503 },
    notification: 'notify_captured',
  },
  {
    name: 'cancel-waiting-for-capture',
    command: 'cancel',
    // A capture of the same payment is still in flight at the gateway: the cancel waits for its turn, then
    // finds the authorization captured, which a cancel cannot release.
    before: async (stack, reference) => {
      stack.gateway.sim.control.answerDelayMs = 800;
      const key = await start(stack, 'capture', reference);
      await until(async () => stack.gateway.sim.calls.some((call) => call.idempotencyKey.includes(key)));
    },
    gateway: { mode: 'immediate' },
    notification: 'notify_cancellation_failed',
  },
  {
    name: 'capture-answer-lost-then-found',
    command: 'capture',
    gateway: { mode: 'immediate', loseAnswerNext: 1 },
    notification: 'notify_captured',
  },
];

async function main() {
  installRuntime('ERROR', { handleSignals: false });
  mkdirSync(OUT, { recursive: true });
  const env = await createDevServerEnv();
  const stack = await startStack({
    address: env.address,
    // Polling every second and a cancel deadline of 2 s, so that each path takes seconds, not days.
    env: { LOG_LEVEL: 'error', SETTLEMENT_POLL_SCHEDULE: '1s', SETTLEMENT_DEADLINES: 'cancel=2s' },
  });
  const webhookUrl = stack.gateway.sim.control.webhookUrl;
  try {
    for (const scenario of SCENARIOS) {
      const reference = `REPLAY-${scenario.name}`;
      Object.assign(stack.gateway.sim.control, BASELINE, { webhookUrl, mode: 'immediate' });
      await scenario.before?.(stack, reference);
      Object.assign(stack.gateway.sim.control, BASELINE, { webhookUrl }, scenario.gateway);
      const workflowId = await start(stack, scenario.command, reference);
      const handle = stack.temporal.workflow.getHandle(workflowId);
      await scenario.during?.(handle);
      const { reported: notification } = (await handle.result()) as PaymentCommandResult;
      if (notification !== mibMethod(scenario.notification))
        throw new Error(`${scenario.name} ended with ${notification}, not ${scenario.notification}`);
      const history = await handle.fetchHistory();
      record(scenario.name, history);
      // The command's act at the provider runs as a child workflow with a history of its own.
      const acts = (history.events ?? []).flatMap((event) => {
        const started = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
        return started?.workflowId ? [started] : [];
      });
      for (const [index, act] of acts.entries()) {
        const actHandle = stack.temporal.workflow.getHandle(act.workflowId!, act.runId ?? undefined);
        record(
          `${scenario.name}--act${acts.length > 1 ? `-${index + 1}` : ''}`,
          await actHandle.fetchHistory(),
        );
      }
    }
  } finally {
    await stack.stop();
    await env.teardown();
  }
}

function record(name: string, history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>): void {
  const file = join(OUT, `${name}.json`);
  writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`recorded ${file}`);
}

/** Sends a command of 25.00 EUR on the reference's authorization; answers its workflow id. */
async function start(stack: Stack, command: PaymentCommand, reference: string): Promise<string> {
  const answer = await sendMibCommand(
    stack.api.url,
    {
      jsonrpc: '2.0',
      id: `${command}-${reference}`,
      method: mibMethod(command),
      params: {
        payment: {
          reference,
          currency: 'EUR',
          transactions: [{ amount: '25.00', gateway_information: { transaction_id: `auth_${reference}` } }],
        },
      },
    },
    { secret: stack.config.MIB_INTAKE_SECRET },
  );
  return (answer.body as { result: { workflow_id: string } }).result.workflow_id;
}

async function send(stack: Stack, command: PaymentCommand, reference: string): Promise<void> {
  await stack.temporal.workflow.getHandle(await start(stack, command, reference)).result();
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((done) => setTimeout(done, 200));
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
