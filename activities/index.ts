import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { NON_RETRYABLE } from '../domain/failures';
import type { MibClient } from '../oms/mib/client';
import { buildNotification, type GatewayResult } from '../oms/mib/notification';
import type { Payment } from '../oms/mib/payment';
import type { ProviderRegistry } from '../providers/registry';
import {
  ProviderRejectedError,
  type AuthorizationQuery,
  type AuthorizationState,
  type PaymentProvider,
  type ProviderCommand,
  type ProviderResult,
  type StatusQuery,
} from '../providers/types';
import { createPaymentLockActivities } from './paymentLock';
import { failFastOnMibRejection } from '../oms/mib/failures';
import { createRegisterEndpoint } from '../oms/mib/registerEndpoint';

export type { RegisterEndpointInput } from '../oms/mib/registerEndpoint';

/**
 * Every side effect: the payment command's (provider call, notification) and the endpoint's registration
 * with MIB (activities/registerEndpoint.ts). Each activity is idempotent: the provider gets the same
 * idempotency key on every attempt and a notification the same id, so Temporal's retries are safe.
 * Errors that retrying cannot mend are thrown as non-retryable ApplicationFailures (domain/failures).
 */

export interface ActivityDependencies {
  readonly providers: ProviderRegistry;
  readonly mib: MibClient;
  /** For the payment lock (signal-with-start of the lock workflow). */
  readonly temporal: Client;
}

export interface ExecuteProviderCommandInput extends ProviderCommand {
  readonly provider: string;
}

export interface InspectAuthorizationInput extends AuthorizationQuery {
  readonly provider: string;
}

export interface FetchProviderStatusInput extends StatusQuery {
  readonly provider: string;
}

export interface NotifyMibInput {
  readonly notificationId: string;
  readonly method: string;
  readonly payment: Payment;
  readonly result: GatewayResult;
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

export function createActivities({ providers, mib, temporal }: ActivityDependencies) {
  // A worker configured without the provider the API chose: retried until the worker is fixed.
  const adapterFor = (provider: string): PaymentProvider => {
    const adapter = providers.get(provider);
    if (!adapter) throw new Error(`provider "${provider}" is not configured on this worker`);
    return adapter;
  };

  return {
    /** Carries out the command at the provider; transient failures throw and are retried by Temporal. */
    async executeProviderCommand({
      provider,
      ...command
    }: ExecuteProviderCommandInput): Promise<ProviderResult> {
      try {
        return await heartbeating(() => adapterFor(provider).execute(command));
      } catch (error) {
        if (error instanceof ProviderRejectedError) {
          throw ApplicationFailure.nonRetryable(error.message, NON_RETRYABLE.providerRejected);
        }
        throw error;
      }
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
      return heartbeating(() => adapter.fetchStatus!(query));
    },

    /** Reads the authorization a validate or revalidate is about; changes nothing, so always safe to retry. */
    async inspectAuthorization({
      provider,
      ...query
    }: InspectAuthorizationInput): Promise<AuthorizationState> {
      return heartbeating(() => adapterFor(provider).inspectAuthorization(query));
    },

    /** Delivers the outcome to MIB's delegate URL; resolves once MIB accepted it. */
    async notifyMib({ notificationId, method, payment, result }: NotifyMibInput): Promise<void> {
      await heartbeating(() =>
        failFastOnMibRejection(() => mib.notify(buildNotification(notificationId, method, payment, result))),
      );
      Context.current().log.info('notified MIB', { method, notificationId });
    },

    registerEndpoint: createRegisterEndpoint(mib),
    ...createPaymentLockActivities(temporal),
  };
}

export type Activities = ReturnType<typeof createActivities>;
