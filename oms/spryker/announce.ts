import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { fingerprint } from '../../domain/fingerprint';
import { mailboxId, type SprykerSettings } from './door';
import { announcedThrough, postToMailbox } from './mailbox';
import { busMessage, type BusMessage } from './messages';

/** The checkout endpoint every payment method points Spryker at, below the door's base. */
const AUTHORIZATION_PATH = '/private/initialize-payment';

export interface Announcement {
  readonly tenant: string;
  /** Methods announced with AddPaymentMethod. */
  readonly added: readonly string[];
  /** Methods no longer configured, withdrawn with DeletePaymentMethod. */
  readonly deleted: readonly string[];
}

/**
 * Announces Settle's payment methods to every tenant on its `payment-method-commands` channel: each
 * configured method with AddPaymentMethod (the shop adds it, or updates it if known), and each method
 * announced before but no longer configured with DeletePaymentMethod. What was announced is kept in the
 * tenant's mailbox. Within one announcement the MessageIds are stable, so a retried activity adds nothing.
 */
export function createAnnouncer(temporal: Client, taskQueue: string, settings: SprykerSettings) {
  return async function announceSprykerPaymentMethods(): Promise<Announcement[]> {
    const { publicUrl, appIdentifier } = settings;
    if (!publicUrl)
      throw new Error('PUBLIC_URL is not set: the payment methods need an authorization endpoint');
    // Stable across the activity's retries, new for each announcement (a method added again after a delete).
    const run = Context.current().info.workflowExecution ?? { workflowId: 'standalone', runId: randomUUID() };
    const baseUrl = `${publicUrl}/spryker`;
    const methods = [...settings.methods.keys()];
    const announcements: Announcement[] = [];
    for (const tenant of settings.tenants.keys()) {
      const id = mailboxId(tenant, 'payment-method-commands');
      const before = await announcedThrough(temporal, id);
      const deleted = Object.keys(before).filter((name) => !methods.includes(name));
      const message = (name: string, body: Record<string, unknown>): BusMessage =>
        busMessage({
          name,
          body,
          tenant,
          appIdentifier,
          correlationId: run.runId,
          seed: `${run.workflowId}:${run.runId}:${tenant}:${name}:${String(body.name)}`,
          at: new Date(),
        });
      const messages = [
        ...methods.map((name) =>
          message('AddPaymentMethod', {
            name,
            providerName: appIdentifier,
            paymentAuthorizationEndpoint: `${baseUrl}${AUTHORIZATION_PATH}`,
            paymentMethodAppConfiguration: {
              baseUrl,
              endpoints: [{ name: 'authorization', path: AUTHORIZATION_PATH }],
            },
          }),
        ),
        ...deleted.map((name) => message('DeletePaymentMethod', { name, providerName: appIdentifier })),
      ];
      const announced = Object.fromEntries(
        methods.map((name) => [name, fingerprint(settings.methods.get(name))]),
      );
      await postToMailbox({ temporal, taskQueue }, id, {
        messages: messages.map((content) => ({ id: content.MessageId, content })),
        announced,
      });
      announcements.push({ tenant, added: methods, deleted });
    }
    return announcements;
  };
}

/** The door's activities, as its workflow (workflows/announcePaymentMethods.ts beside this file) calls them. */
export interface SprykerActivities {
  announceSprykerPaymentMethods: ReturnType<typeof createAnnouncer>;
}
