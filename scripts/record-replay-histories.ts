import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mibMethod } from '../domain/commands';
import type { FinalOutcome } from '../domain/outcome';
import { sendMibCommand } from '../sim/mib/sendCommand';
import { installRuntime } from '../worker/runtime';
import { createDevServerEnv } from './ephemeralTemporal';
import { startStack, type Stack } from './stack';

/**
 * `npm run record:replay`: runs each main path of the payment workflow on a fresh dev server, through the
 * real API, worker and simulators, and writes its history to test/replay/histories/<name>.json. The replay
 * test then checks that today's workflow code still replays every recorded path (a change that alters one
 * must be guarded with patched()).
 */

const OUT = resolve(__dirname, '..', 'test', 'replay', 'histories');

interface Scenario {
  readonly name: string;
  readonly gateway: Partial<Stack['gateway']['sim']['control']>;
  /** What the run must end with, so that a history is never recorded under the wrong name. */
  readonly outcome: FinalOutcome;
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'capture-settled-by-webhook',
    gateway: { mode: 'pending', webhookDelayMs: 300 },
    outcome: 'settled',
  },
  { name: 'capture-settled-immediately', gateway: { mode: 'immediate' }, outcome: 'settled' },
  { name: 'capture-declined', gateway: { mode: 'immediate', declineNext: 1 }, outcome: 'declined' },
  {
    name: 'capture-retried-through-outage',
    gateway: { mode: 'immediate', failNext: 2, failStatus: 503 },
    outcome: 'settled',
  },
];

async function main() {
  installRuntime('ERROR', { handleSignals: false });
  mkdirSync(OUT, { recursive: true });
  const env = await createDevServerEnv();
  const stack = await startStack({ address: env.address, env: { LOG_LEVEL: 'error' } });
  try {
    for (const scenario of SCENARIOS) {
      Object.assign(stack.gateway.sim.control, scenario.gateway);
      const reference = `REPLAY-${scenario.name}`;
      const answer = await sendMibCommand(
        stack.api.url,
        {
          jsonrpc: '2.0',
          id: reference,
          method: mibMethod('capture'),
          params: {
            payment: {
              reference,
              currency: 'EUR',
              transactions: [
                { amount: '25.00', gateway_information: { transaction_id: `auth_${scenario.name}` } },
              ],
            },
          },
        },
        { secret: stack.config.MIB_INTAKE_SECRET },
      );
      const { result } = answer.body as { result: { workflow_id: string } };
      const handle = stack.temporal.workflow.getHandle(result.workflow_id);
      const { outcome } = await handle.result();
      if (outcome !== scenario.outcome)
        throw new Error(`${scenario.name} ended ${outcome}, not ${scenario.outcome}`);
      const file = join(OUT, `${scenario.name}.json`);
      writeFileSync(file, `${historyToJSON(await handle.fetchHistory())}\n`);
      console.log(`recorded ${file}`);
    }
  } finally {
    await stack.stop();
    await env.teardown();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
