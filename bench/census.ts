import { orderPaymentWorkflowId, orderReferenceKey, type OrderKey } from '../domain/orderPayment';
import { DEITY_DOOR } from '../oms/deity/door';
import { mailboxId, SPRYKER_DOOR } from '../oms/spryker/door';
import { DEITY_PROFILE } from './deityMix';
import { runDeity } from './deityShop';
import { runBaseline, runSettle, type BenchContext, type SettleRun } from './phases';
import type { ShopRun, ShopRunOptions, ShopSteps } from './shopRun';
import { round } from './stats';
import { SPRYKER_TENANT } from './sprykerMix';
import { runSpryker } from './sprykerShop';
import { settledServerCounts, writesPer, type ServerCounts } from './serverCounts';
import { commandsClosed, workOf, workflowsQuery, type WorkPerCommand } from './work';

/**
 * The server's work per command of each door, from the histories of a small batch sent while nothing else
 * runs: MIB's commands, the bare baseline's workflows beside them, then Spryker's and Deity's checkouts and commands, each over its own time window.
 */

/** A door with orders: the work per checkout and per command (capture or refund). */
export interface ShopWork {
  readonly checkout: WorkPerCommand;
  readonly commands: WorkPerCommand;
  /**
   * What the server did over the whole batch (visibility writes, search-attribute reads), per checkout or
   * command: its metrics do not tell the two steps apart; absent without them.
   */
  readonly performed?: ServerCounts;
}

export interface Census {
  /** The bare baseline's workflow, the reference of every ratio. */
  readonly baseline?: WorkPerCommand;
  readonly mib: WorkPerCommand;
  readonly spryker?: ShopWork & {
    /** GET payment-events by the benchmark's shop (a mailbox query each) per checkout or command. */
    readonly fetchesPerRequest: number;
  };
  readonly deity?: ShopWork;
}

const CONCURRENCY = 4;
/** After each step, so that its workflows' last tasks fall inside its window. */
const PAUSE_MS = 1000;

export interface CensusRuns {
  readonly census: Census;
  readonly mibRun: SettleRun;
  readonly sprykerRun?: ShopRun;
  readonly deityRun?: ShopRun;
}

/** The census, and its runs (their losses and duplicates count with every other run's). */
export async function runCensus(
  ctx: BenchContext,
  count: number,
  doors: { readonly spryker: boolean; readonly deity: boolean },
): Promise<CensusRuns> {
  await commandsClosed(ctx.temporal, ctx.settleQueue);
  const beforeMib = await serverCountsNow(ctx);
  const mibFrom = Date.now();
  const mibRun = await runSettle(ctx, { phase: 'census', count, pace: { concurrency: CONCURRENCY } });
  await commandsClosed(ctx.temporal, ctx.settleQueue);
  await new Promise((done) => setTimeout(done, PAUSE_MS));
  const mibTo = Date.now();
  const mibPerformed = await performedSince(ctx, beforeMib, count);
  const mibPrefix = `${ctx.runId}-census-`;
  const mib = {
    ...(await workOf(
      ctx.temporal,
      workflowsQuery([`payment:${mibPrefix}`, `payment-turn:${mibPrefix}`]),
      count,
      mibFrom,
      mibTo,
    )),
    ...mibPerformed,
  };
  const beforeBaseline = await serverCountsNow(ctx);
  const baselineFrom = Date.now();
  await runBaseline(ctx, 'bcensus', count, { concurrency: CONCURRENCY });
  await new Promise((done) => setTimeout(done, PAUSE_MS));
  const baselineTo = Date.now();
  const baselinePerformed = await performedSince(ctx, beforeBaseline, count);
  const baseline = {
    ...(await workOf(
      ctx.temporal,
      workflowsQuery([`${ctx.runId}-bcensus-`]),
      count,
      baselineFrom,
      baselineTo,
    )),
    ...baselinePerformed,
  };
  let census: Census = { baseline, mib };
  let sprykerRun: ShopRun | undefined;
  let deityRun: ShopRun | undefined;
  if (doors.spryker) {
    const fetchesBefore = ctx.spryker.consumer.fetches;
    const done = await shopCensus(ctx, count, 'scensus', runSpryker, {
      door: SPRYKER_DOOR,
      tenant: SPRYKER_TENANT,
      // The tenant's mailbox carries the events to the shop.
      ids: [mailboxId(SPRYKER_TENANT, 'payment-events')],
    });
    const requests = done.run.checkout.commands + done.run.commands.commands;
    const fetchesPerRequest = round((ctx.spryker.consumer.fetches - fetchesBefore) / requests, 2);
    census = { ...census, spryker: { ...done.work, fetchesPerRequest } };
    sprykerRun = done.run;
  }
  if (doors.deity) {
    const done = await shopCensus(ctx, count, 'dcensus', runDeity, {
      door: DEITY_DOOR,
      tenant: DEITY_PROFILE.serviceUser,
      ids: [],
    });
    census = { ...census, deity: done.work };
    deityRun = done.run;
  }
  return { census, mibRun, sprykerRun, deityRun };
}

/** One door's census batch at `phase`: its run and the work per checkout and per command. */
async function shopCensus(
  ctx: BenchContext,
  count: number,
  phase: string,
  run: (ctx: BenchContext, options: ShopRunOptions) => Promise<ShopRun & { steps: ShopSteps }>,
  /** The door and tenant of its orders, and the ids of the tenant's other workflows that count. */
  { ids, ...door }: Omit<OrderKey, 'orderReference'> & { readonly ids: readonly string[] },
): Promise<{ run: ShopRun; work: ShopWork }> {
  const before = await serverCountsNow(ctx);
  const done = await run(ctx, { phase, count, pace: { concurrency: CONCURRENCY }, pauseMs: PAUSE_MS });
  await commandsClosed(ctx.temporal, ctx.settleQueue);
  const endedAt = Date.now();
  const performed = await performedSince(ctx, before, done.checkout.commands + done.commands.commands);
  const orderPrefix = `${ctx.runId}-${phase}-`;
  const key = orderReferenceKey({ ...door, orderReference: orderPrefix });
  const query = workflowsQuery(
    [
      orderPaymentWorkflowId({ ...door, orderReference: orderPrefix }),
      `payment:${key}`,
      `payment-turn:${key}`,
    ],
    ids,
  );
  const { checkoutAt, commandsAt } = done.steps;
  return {
    run: { checkout: done.checkout, commands: done.commands },
    work: {
      checkout: await workOf(ctx.temporal, query, done.checkout.commands, checkoutAt, commandsAt),
      commands: await workOf(ctx.temporal, query, done.commands.commands, commandsAt, endedAt),
      ...performed,
    },
  };
}

/** The server's counts so far, once its visibility queue has caught up; none without its metrics. */
function serverCountsNow(ctx: BenchContext): Promise<ServerCounts | undefined> {
  return ctx.metricsUrl ? settledServerCounts(ctx.metricsUrl) : Promise.resolve(undefined);
}

/** What the server did since `before`, per `count` commands (nothing without its metrics). */
async function performedSince(
  ctx: BenchContext,
  before: ServerCounts | undefined,
  count: number,
): Promise<{ performed?: ServerCounts }> {
  const now = await serverCountsNow(ctx);
  return before && now ? { performed: writesPer(before, now, count) } : {};
}
