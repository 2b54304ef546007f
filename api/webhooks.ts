import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../config/logger';
import type { ProviderRegistry } from '../providers/registry';
import { WebhookVerificationError, type PaymentProvider, type ProviderEvent } from '../providers/types';
import { fingerprint } from '../domain/fingerprint';
import { orderPaymentWorkflowIdOf } from '../domain/orderPayment';
import { WORKFLOW_ID_MAX_LENGTH, parsePaymentWorkflowId } from '../domain/workflowId';
import { providerEventSignal, recheckSignal } from '../workflows/messages';
import { commandEventSignal } from '../workflows/orderPaymentMessages';
import { MB, errorBodySchema, route, type RouteSet } from '../http/contract';
import { webhookRechecksDropped, webhookVerificationFailures } from '../http/metrics';
import { AUTH_FAILURE_LIMIT, authGate, oncePer, throttledResponse } from '../http/throttle';
import type { PaymentCommand } from '../domain/commands';
import type { SettlementPolicy } from '../domain/settlement';

/**
 * `POST /webhooks/:provider`: a provider's notice of an outcome. The signature is verified by the provider's
 * adapter (401 at once when it fails, 429 past the client's limit of failures), then the event is signalled to
 * its payment workflow; the 2xx goes out only after Temporal accepted the signal, so an acknowledged event is
 * never lost.
 */
export interface WebhookDependencies {
  readonly temporal: Client;
  readonly providers: ProviderRegistry;
  readonly logger: Logger;
  /** The settlement policy per command: an unverified webhook asks at most once per its poll interval. */
  readonly settlement?: (command: PaymentCommand, providerHasStatusApi: boolean) => SettlementPolicy;
}

/** The recheck interval where no settlement policy is given: the default schedule's first pause. */
const DEFAULT_RECHECK_INTERVAL_MS = 60_000;

/** Rechecks in flight at once per API process; past that, an unverified webhook asks about nothing. */
export const MAX_RECHECKS_IN_FLIGHT = 8;

/** What `POST /webhooks/{provider}` answers an authentic webhook: whether it reached a payment workflow. */
export const webhookAnswerSchema = z.object({ received: z.literal(true), delivered: z.boolean() });

export const WEBHOOK_BODY_LIMIT = 1 * MB;

export function webhookRoutes({ temporal, providers, logger, settlement }: WebhookDependencies): RouteSet {
  const rechecks = oncePer();
  let inFlight = 0;
  /** Unverified webhooks count as failed authentications per address (http/throttle.ts); verified ones never. */
  const gate = authGate({
    route: '/webhooks',
    logger,
    unauthorized: (res, reason) =>
      void res.status(401).json({ error: `webhook verification failed: ${reason}` }),
    throttled: (res, seconds) =>
      void res.json({ error: `Too many unverified webhooks from this client: retry after ${seconds} s` }),
  });
  /** The shortest pause of the command's poll schedule: an unverified webhook asks no more often. */
  const recheckIntervalMs = (command: PaymentCommand) =>
    settlement ? Math.min(...settlement(command, true).pollScheduleMs) : DEFAULT_RECHECK_INTERVAL_MS;

  /**
   * A webhook that fails verification is never believed; but where the provider has a status API, the
   * payment it names is asked about (Hyperswitch's lesson): a real event with a broken signature still
   * settles the payment, and a forged one costs a status request — at most one per payment per poll
   * interval, however many are forged (the throttle is the API's, so forgeries reach neither Temporal nor
   * the provider). Only payment workflows are signalled, off the request path: the webhook has its 401
   * already, and the ask is dropped when MAX_RECHECKS_IN_FLIGHT are on their way.
   */
  function recheckClaimedPayment(provider: PaymentProvider, body: Buffer): void {
    const workflowId = provider.fetchStatus ? provider.webhookHint?.(body) : undefined;
    // Temporal takes no longer id, so a longer one names no payment: it is neither parsed nor held.
    if (!workflowId || workflowId.length > WORKFLOW_ID_MAX_LENGTH) return;
    const claimed = parsePaymentWorkflowId(workflowId);
    if (!claimed) return;
    if (inFlight >= MAX_RECHECKS_IN_FLIGHT) {
      webhookRechecksDropped.inc();
      return;
    }
    // Held by its hash: 10,000 payments asked about cost a few hundred kilobytes, however long their ids.
    if (!rechecks.take(fingerprint(workflowId, 32), recheckIntervalMs(claimed.command))) return;
    inFlight += 1;
    temporal.workflow
      .getHandle(workflowId)
      .signal(recheckSignal)
      .then(
        () =>
          logger.info('asking the provider about the payment an unverified webhook named', { workflowId }),
        (error: unknown) =>
          logger.info('unverified webhook names no running payment', { error: (error as Error).message }),
      )
      .finally(() => (inFlight -= 1));
  }

  /**
   * An order acts before it starts its command (workflows/orderPayment.ts): a quick webhook finds no command yet,
   * and goes to the order, which hands it on. False when no order of that reference runs.
   */
  async function toItsOrder(event: ProviderEvent, reference: string | undefined): Promise<boolean> {
    const orderWorkflowId = reference === undefined ? undefined : orderPaymentWorkflowIdOf(reference);
    if (!orderWorkflowId) return false;
    try {
      await temporal.workflow.getHandle(orderWorkflowId).signal(commandEventSignal, event);
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  /** Verifies the webhook with its provider's adapter and signals the event to its payment workflow. */
  async function receive(req: Request, res: Response): Promise<void> {
    const provider = providers.get(String(req.params.provider));
    if (!provider) {
      res.status(404).json({ error: `no provider named "${req.params.provider}" is configured` });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event: ProviderEvent | undefined;
    try {
      event = await provider.parseWebhook(body, req.headers);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      webhookVerificationFailures.inc({ provider: provider.name });
      // Answered at once; past the address's limit (429) it asks about nothing either.
      if (gate.refuse(req, res, `${provider.name}: ${error.message}`) === 'unauthorized')
        recheckClaimedPayment(provider, body);
      return;
    }
    if (!event) {
      logger.info('authentic webhook without an outcome; acknowledged', { provider: provider.name });
      res.status(200).json({ received: true, delivered: false });
      return;
    }
    const fields = {
      workflowId: event.workflowId,
      reference: parsePaymentWorkflowId(event.workflowId)?.reference,
      eventId: event.eventId,
    };
    let delivered: 'command' | 'order' | undefined;
    try {
      delivered = await deliverEvent(event, fields.reference);
    } catch (error) {
      logger.error('webhook could not be signalled; the provider will redeliver', {
        ...fields,
        error: (error as Error).message,
      });
      res.status(503).json({ error: 'temporarily unable to record the event' });
      return;
    }
    if (!delivered) {
      // A late event for a finished (or unknown) payment: acknowledge, so the provider stops redelivering.
      logger.warn('webhook for no running payment workflow', fields);
      res.status(200).json({ received: true, delivered: false });
      return;
    }
    if (delivered === 'order')
      logger.info('webhook delivered to the order of a command not started yet', fields);
    else logger.info('webhook delivered', { ...fields, outcome: event.outcome });
    res.status(200).json({ received: true, delivered: true });
  }

  /**
   * Signals the event to its command, or, when no command runs under its id, to the command's order: which of
   * them took it, or undefined when neither runs. Any other failure is thrown: the provider is to redeliver.
   */
  async function deliverEvent(
    event: ProviderEvent,
    reference: string | undefined,
  ): Promise<'command' | 'order' | undefined> {
    try {
      await temporal.workflow.getHandle(event.workflowId).signal(providerEventSignal, event);
      return 'command';
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    return (await toItsOrder(event, reference)) ? 'order' : undefined;
  }

  return {
    schemas: {
      WebhookAnswer: [
        webhookAnswerSchema,
        'delivered: false for an authentic webhook with nothing to deliver (no running workflow, no outcome).',
      ],
    },
    routes: [
      route({
        method: 'post',
        path: '/webhooks/:provider',
        operationId: 'receiveProviderWebhook',
        summary: "A provider's notice of an outcome",
        description:
          "The provider's adapter verifies the signature (the gateway: `Gateway-Signature: t=<unix " +
          'seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with GATEWAY_WEBHOOK_SECRET>`, at most 300 s ' +
          'old). A verified event is signalled to its payment workflow, and 200 goes out only after ' +
          'Temporal accepted the signal. An unverified one is answered 401 at once, or 429 past ' +
          `${AUTH_FAILURE_LIMIT.failures} from one client in ${AUTH_FAILURE_LIMIT.windowMs / 1000} s.`,
        request: {
          params: z.object({ provider: z.enum(providers.names).describe('A configured provider.') }),
          // Read raw: the signature is over the bytes as sent.
          body: {
            schema: z.unknown(),
            description: "The provider's own event, as it signed it.",
            contentType: 'application/json',
            read: 'raw',
            limit: WEBHOOK_BODY_LIMIT,
          },
        },
        // An unknown provider is a 404, and only the provider's adapter knows its event.
        validate: 'handler',
        responses: {
          200: { description: 'Authentic; delivered or nothing to deliver.', body: webhookAnswerSchema },
          401: { description: 'The signature does not verify; nothing changes.', body: errorBodySchema },
          429: throttledResponse(errorBodySchema),
          404: { description: 'No provider of that name is configured.', body: errorBodySchema },
          503: {
            description: 'Temporal is unreachable; the provider should redeliver.',
            body: errorBodySchema,
          },
        },
        handle: receive,
      }),
    ],
  };
}
