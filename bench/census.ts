import { orderPaymentWorkflowId, orderReferenceKey } from '../domain/orderPayment';
import { mailboxId, SPRYKER_DOOR } from '../oms/spryker/door';
import { runSettle, type BenchContext, type SettleRun } from './phases';
import { round } from './stats';
import { SPRYKER_TENANT } from './sprykerMix';
import { runSpryker, type SprykerRun } from './sprykerShop';
import { commandsClosed, workOf, workflowsQuery, type WorkPerCommand } from './work';

/**
 * The server's work per command of each door, from the histories of a small batch sent while nothing else
 * runs: MIB's commands, and Spryker's checkouts and commands, each over its own time window.
 */

export interface Census {
  readonly mib: WorkPerCommand;
  readonly spryker?: {
    readonly checkout: WorkPerCommand;
    readonly commands: WorkPerCommand;
    /** GET payment-events by the benchmark's shop (a mailbox query each) per checkout or command. */
    readonly fetchesPerRequest: number;
  };
}

const CONCURRENCY = 4;
/** After each step, so that its workflows' last tasks fall inside its window. */
const PAUSE_MS = 1000;

/** The census, and its runs (their losses and duplicates count with every other run's). */
export async function runCensus(
  ctx: BenchContext,
  count: number,
  spryker: boolean,
): Promise<{ census: Census; mibRun: SettleRun; sprykerRun?: SprykerRun }> {
  await commandsClosed(ctx.temporal, ctx.settleQueue);
  const mibFrom = Date.now();
  const mibRun = await runSettle(ctx, { phase: 'census', count, pace: { concurrency: CONCURRENCY } });
  await commandsClosed(ctx.temporal, ctx.settleQueue);
  await new Promise((done) => setTimeout(done, PAUSE_MS));
  const mibPrefix = `${ctx.runId}-census-`;
  const mib = await workOf(
    ctx.temporal,
    workflowsQuery([`payment:${mibPrefix}`, `payment-lock:${mibPrefix}`]),
    count,
    mibFrom,
    Date.now(),
  );
  if (!spryker) return { census: { mib }, mibRun };

  const fetchesBefore = ctx.spryker.consumer.fetches;
  const run = await runSpryker(ctx, {
    phase: 'scensus',
    count,
    pace: { concurrency: CONCURRENCY },
    pauseMs: PAUSE_MS,
  });
  await commandsClosed(ctx.temporal, ctx.settleQueue);
  const endedAt = Date.now();
  const orderPrefix = `${ctx.runId}-scensus-`;
  const key = orderReferenceKey({ door: SPRYKER_DOOR, tenant: SPRYKER_TENANT, orderReference: orderPrefix });
  const query = workflowsQuery(
    [
      orderPaymentWorkflowId({ door: SPRYKER_DOOR, tenant: SPRYKER_TENANT, orderReference: orderPrefix }),
      `payment:${key}`,
      `payment-lock:${key}`,
    ],
    [mailboxId(SPRYKER_TENANT, 'payment-events')],
  );
  const { checkoutAt, commandsAt } = run.steps;
  const requests = run.checkout.commands + run.commands.commands;
  return {
    census: {
      mib,
      spryker: {
        checkout: await workOf(ctx.temporal, query, run.checkout.commands, checkoutAt, commandsAt),
        commands: await workOf(ctx.temporal, query, run.commands.commands, commandsAt, endedAt),
        fetchesPerRequest: round((ctx.spryker.consumer.fetches - fetchesBefore) / requests, 2),
      },
    },
    mibRun,
    sprykerRun: { checkout: run.checkout, commands: run.commands },
  };
}
