import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PaymentCommand } from '../domain/commands';
import { formatDuration, parseDuration } from '../domain/duration';
import { NON_RETRYABLE, ReportRefusedError } from '../domain/failures';
import type { OutcomeReport } from '../domain/outcome';
import { lookupAfterMs } from '../domain/providerTiming';
import type { ReplyContext } from '../domain/paymentCommand';
import type { Reporter } from './reporter';
import type { ProviderRegistry } from '../providers/registry';
import {
  ProviderRejectedError,
  type AuthorizationQuery,
  type AuthorizationRequest,
  type AuthorizationResult,
  type AuthorizationState,
  type PaymentProvider,
  type ProviderCommand,
  type ProviderResult,
  type StatusQuery,
} from '../providers/types';

/**
 * Every side effect of a payment command: the provider calls and the outcome report through the command's
 * front door (the doors add their own activities, such as MIB's endpoint registration). Each activity is
 * idempotent: the provider gets the same idempotency key on every attempt and a report the same id, so
 * Temporal's retries are safe. Errors that retrying cannot mend are thrown as non-retryable
 * ApplicationFailures (domain/failures).
 */

export interface ActivityDependencies {
  readonly providers: ProviderRegistry;
  /** Each front door's reporter, by door name (ReplyContext.door). */
  readonly reporters: Readonly<Record<string, Reporter>>;
  /** How long a provider call of a payment is retried before it fails for good (WORKER_PROVIDER_RETRY_LIMIT). */
  readonly providerRetryLimitMs?: number;
}

/** WORKER_PROVIDER_RETRY_LIMIT's default. */
export const DEFAULT_PROVIDER_RETRY_LIMIT_MS = parseDuration('3d');

/**
 * When a money call may first have reached the provider, and when this attempt runs, on the workflow's clock
 * (ms since the epoch). Both come from the workflow: a regular activity's retries keep its input, and a local
 * attempt's own Info carries the worker's clock, not the workflow's. Without them: when this activity was first
 * scheduled, and when this attempt was.
 */
export interface SentSince {
  readonly since?: number;
  readonly askedAt?: number;
}

export interface ExecuteProviderCommandInput extends ProviderCommand, SentSince {
  readonly provider: string;
}

export interface InspectAuthorizationInput extends AuthorizationQuery {
  readonly provider: string;
}

export interface AuthorizePaymentInput extends AuthorizationRequest, SentSince {
  readonly provider: string;
}

export interface FetchProviderStatusInput extends StatusQuery {
  readonly provider: string;
}

export interface ReportOutcomeInput {
  /** Stable across retries, so the OMS can drop a redelivery. */
  readonly reportId: string;
  readonly command: PaymentCommand;
  readonly reply: ReplyContext;
  readonly result: OutcomeReport;
}

/**
 * Runs `work` while telling Temporal every second that this worker is alive, so that the workflow's
 * heartbeat timeout notices a worker that died mid-call within seconds (not after the whole call timeout)
 * and another attempt, with the same idempotency key, goes out.
 */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  // A local attempt has no heartbeat: it runs inside a workflow task, which Temporal times out instead.
  if (context.info.isLocal) return work();
  const timer = setInterval(() => context.heartbeat(), 1000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** A time span as a person reads it in a failure: whole hours, or seconds below an hour. */
const roughly = (ms: number) =>
  ms >= 3_600_000 ? `${Math.floor(ms / 3_600_000)}h` : `${Math.round(ms / 1000)}s`;

/**
 * On the workflow's clock (see SentSince): how long ago the call may first have reached the provider, and how
 * long this activity has been retried (a local attempt is the first try).
 */
function elapsedSince({ since, askedAt }: SentSince): { sentMs: number; retriedMs: number } {
  const { info } = Context.current();
  if (info.isLocal) {
    const now = askedAt ?? Date.now();
    return { sentMs: Math.max(0, now - (since ?? now)), retriedMs: 0 };
  }
  const now = info.currentAttemptScheduledTimestampMs;
  return {
    sentMs: Math.max(0, now - (since ?? info.scheduledTimestampMs)),
    retriedMs: Math.max(0, now - info.scheduledTimestampMs),
  };
}

export function createActivities({
  providers,
  reporters,
  providerRetryLimitMs = DEFAULT_PROVIDER_RETRY_LIMIT_MS,
}: ActivityDependencies) {
  // A worker configured without the provider the API chose: retried until the worker is fixed.
  const adapterFor = (provider: string): PaymentProvider => {
    const adapter = providers.get(provider);
    if (!adapter) throw new Error(`provider "${provider}" is not configured on this worker`);
    return adapter;
  };
  const reporterFor = (door: string): Reporter => {
    const reporter = reporters[door];
    // A worker configured without the door the API took the command through: retried until it is fixed.
    if (!reporter) throw new Error(`front door "${door}" is not configured on this worker`);
    return reporter;
  };
  const exhausted = (message: string) =>
    ApplicationFailure.nonRetryable(message, NON_RETRYABLE.providerRetriesExhausted);
  /**
   * A provider's refusal that leaves the money in doubt is final; anything else is retried until the activity
   * has been retried for providerRetryLimitMs, then it fails for good with its last error.
   */
  const providerCall = async <T>(what: string, retriedMs: number, work: () => Promise<T>): Promise<T> => {
    try {
      return await heartbeating(work);
    } catch (error) {
      if (error instanceof ProviderRejectedError) {
        throw ApplicationFailure.nonRetryable(error.message, NON_RETRYABLE.providerRejected);
      }
      if (error instanceof ApplicationFailure || retriedMs < providerRetryLimitMs) throw error;
      throw exhausted(
        `${what} has failed for ${roughly(retriedMs)}, past WORKER_PROVIDER_RETRY_LIMIT ` +
          `(${formatDuration(providerRetryLimitMs)}); last error: ${(error as Error).message ?? String(error)}`,
      );
    }
  };
  /**
   * A money call, sent with the same idempotency key on every attempt. The provider answers a repeated key from
   * its first answer only while it keeps the key (PaymentProvider.idempotencyKeyRetentionMs); close to that,
   * Settle first asks the provider whether the operation already happened and adopts what it finds. A provider
   * that cannot be asked is not sent to again: the call fails for an operator.
   */
  const moneyCall = async <T>(
    what: string,
    adapter: PaymentProvider,
    sent: SentSince,
    lookup: (() => Promise<T | undefined>) | undefined,
    send: () => Promise<T>,
  ): Promise<T> => {
    const { sentMs, retriedMs } = elapsedSince(sent);
    const keptMs = adapter.idempotencyKeyRetentionMs;
    return providerCall(what, retriedMs, async () => {
      if (sentMs >= lookupAfterMs(keptMs)) {
        if (!lookup) {
          throw exhausted(
            `${what} may have reached ${adapter.name} ${roughly(sentMs)} ago; it keeps an idempotency ` +
              `key for ${formatDuration(keptMs)} and has no API to find the operation, so sending it again ` +
              'could move the money twice: check at the provider',
          );
        }
        const found = await lookup();
        const log = Context.current().log;
        if (found) {
          log.info('operation found at the provider; not sent again', { what, provider: adapter.name });
          return found;
        }
        log.info('no trace of the operation at the provider; sending it', { what, provider: adapter.name });
      }
      return send();
    });
  };
  /** A refusal by the door's shop is final: the caller decides what becomes of the payment. */
  const reporting = async (door: string, reportId: string, work: () => Promise<string>): Promise<string> => {
    try {
      const reported = await heartbeating(work);
      Context.current().log.info('outcome reported', { door, reported, reportId });
      return reported;
    } catch (error) {
      if (error instanceof ReportRefusedError) {
        throw ApplicationFailure.nonRetryable(error.message, NON_RETRYABLE.reportRefused);
      }
      throw error;
    }
  };

  return {
    /** Carries out the command at the provider; transient failures throw and are retried by Temporal. */
    async executeProviderCommand({
      provider,
      since,
      askedAt,
      ...command
    }: ExecuteProviderCommandInput): Promise<ProviderResult> {
      const adapter = adapterFor(provider);
      const find = adapter.fetchStatus?.bind(adapter);
      return moneyCall(
        `${command.command} at ${provider}`,
        adapter,
        { since, askedAt },
        find && (() => find(command)),
        () => adapter.execute(command),
      );
    },

    /**
     * Asks a provider with a status API what became of a command; undefined when it has no record of it.
     * Workflows call it only for providers that have one (SettlementPolicy).
     */
    async fetchProviderStatus({
      provider,
      ...query
    }: FetchProviderStatusInput): Promise<ProviderResult | undefined> {
      const adapter = adapterFor(provider);
      if (!adapter.fetchStatus) {
        throw ApplicationFailure.nonRetryable(`provider "${provider}" has no status API`);
      }
      return providerCall(
        `a status request about ${query.command} at ${provider}`,
        elapsedSince({}).retriedMs,
        () => adapter.fetchStatus!(query),
      );
    },

    /**
     * Reads the authorization a validate or revalidate is about; changes nothing, so always safe to retry, for
     * as long as the provider calls of a command are retried.
     */
    async inspectAuthorization({
      provider,
      ...query
    }: InspectAuthorizationInput): Promise<AuthorizationState> {
      const adapter = adapterFor(provider);
      return providerCall(`a read of authorization at ${provider}`, elapsedSince({}).retriedMs, () =>
        adapter.inspectAuthorization(query),
      );
    },

    /**
     * Hands the outcome to the command's front door, which delivers it in its OMS's contract; resolves with
     * what the door reported once its OMS accepted it. An OMS refusing the report fails for good (the
     * payment becomes stuck); an OMS that cannot be reached is retried.
     */
    async reportOutcome({ reportId, command, reply, result }: ReportOutcomeInput): Promise<string> {
      const reporter = reporterFor(reply.door);
      return reporting(reply.door, reportId, () =>
        reporter.report({ reportId, command, context: reply.context, result }),
      );
    },

    /**
     * Authorizes an order's payment at checkout (an `authorize` command's act), with the same idempotency key on
     * every attempt: a retry never holds the money twice. In page mode the provider opens the customer's session
     * instead. Transient failures throw and are retried by Temporal.
     */
    async authorizePayment({
      provider,
      since,
      askedAt,
      ...request
    }: AuthorizePaymentInput): Promise<AuthorizationResult> {
      const adapter = adapterFor(provider);
      if (!adapter.authorize) {
        return {
          outcome: 'declined',
          status: 'unsupported',
          reason: `${provider} cannot authorize at checkout`,
        };
      }
      const find = adapter.findAuthorization?.bind(adapter);
      return moneyCall(
        `an authorization at ${provider}`,
        adapter,
        { since, askedAt },
        find && (() => find(request)),
        () => adapter.authorize!(request),
      );
    },

    /**
     * What became of an `authorize` command's authorization, found by the workflow id Settle put on it; undefined
     * when the provider has none. Workflows call it only for providers that can be asked (SettlementPolicy).
     */
    async findAuthorization({
      provider,
      since: _since,
      askedAt: _askedAt,
      ...request
    }: AuthorizePaymentInput): Promise<AuthorizationResult | undefined> {
      const adapter = adapterFor(provider);
      if (!adapter.findAuthorization) {
        throw ApplicationFailure.nonRetryable(
          `provider "${provider}" cannot be asked about an authorization`,
        );
      }
      return providerCall(`a search for an authorization at ${provider}`, elapsedSince({}).retriedMs, () =>
        adapter.findAuthorization!(request),
      );
    },

    /**
     * The payment page expired while the customer had not completed it: ends the customer's session at the
     * provider (closeSession), so that nobody pays after Settle declined. Answers what the provider holds
     * afterwards (a customer who paid just then is found authorized); undefined when the provider has no session
     * or cannot close one (its session ends by its own expiry).
     */
    async closeCheckoutSession({
      provider,
      since: _since,
      askedAt: _askedAt,
      ...request
    }: AuthorizePaymentInput): Promise<AuthorizationResult | undefined> {
      const adapter = adapterFor(provider);
      if (!adapter.closeSession) return undefined;
      return providerCall(`the end of a checkout session at ${provider}`, elapsedSince({}).retriedMs, () =>
        adapter.closeSession!(request),
      );
    },
  };
}

/** Every activity of the core's workflows (a door's own workflows call its own activities). */
export type Activities = ReturnType<typeof createActivities>;
