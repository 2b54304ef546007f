import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { fingerprint } from '../../domain/fingerprint';
import { appConfigUpdated } from './appEvents';
import { connectionOf } from './connections';
import { mailboxId, type SprykerSettings } from './door';
import { announcedThrough, postToMailbox, type MailboxAccess } from './mailbox';
import { busMessage, type BusMessage } from './messages';
import type { AppConfigAnnouncement } from './workflows/tenantMessages';

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
 * Announces the methods to one tenant on its `payment-method-commands` channel: each with AddPaymentMethod
 * (the shop adds it, or updates it if known), and each announced before but not among them with
 * DeletePaymentMethod. What was announced is kept in the tenant's mailbox. `seed` makes the MessageIds: the
 * same seed (a retried activity) adds nothing.
 */
async function announceMethods(
  access: MailboxAccess,
  settings: SprykerSettings,
  tenant: string,
  methods: readonly string[],
  seed: string,
  correlationId: string,
): Promise<Announcement> {
  const { publicUrl, appIdentifier } = settings;
  if (!publicUrl)
    throw new Error('PUBLIC_URL is not set: the payment methods need an authorization endpoint');
  const baseUrl = `${publicUrl}/spryker`;
  const id = mailboxId(tenant, 'payment-method-commands');
  const before = await announcedThrough(access.temporal, id);
  const deleted = Object.keys(before).filter((name) => !methods.includes(name));
  const message = (name: string, body: Record<string, unknown>): BusMessage =>
    busMessage({
      name,
      body,
      tenant,
      appIdentifier,
      correlationId,
      seed: `${seed}:${tenant}:${name}:${String(body.name)}`,
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
  await postToMailbox(access, id, {
    messages: messages.map((content) => ({ id: content.MessageId, content })),
    announced,
  });
  return { tenant, added: methods, deleted };
}

/**
 * Announces Settle's payment methods to every tenant of SPRYKER_TENANTS not disconnected (`settle register --door
 * spryker`).
 * Within one announcement the MessageIds are stable, so a retried activity adds nothing.
 */
export function createAnnouncer(temporal: Client, taskQueue: string, settings: SprykerSettings) {
  return async function announceSprykerPaymentMethods(): Promise<Announcement[]> {
    // Stable across the activity's retries, new for each announcement (a method added again after a delete).
    const run = Context.current().info.workflowExecution ?? { workflowId: 'standalone', runId: randomUUID() };
    const methods = [...settings.methods.keys()];
    const announcements: Announcement[] = [];
    for (const tenant of settings.tenants.keys()) {
      // A disconnected tenant hears of Settle's methods again when it is connected again.
      if ((await connectionOf(temporal, tenant))?.isActive === false) continue;
      announcements.push(
        await announceMethods(
          { temporal, taskQueue },
          settings,
          tenant,
          methods,
          `${run.workflowId}:${run.runId}`,
          run.runId,
        ),
      );
    }
    return announcements;
  };
}

/**
 * Announces a save of a tenant's connection (workflows/tenant.ts), in the order app-payment does: the
 * payment methods first (all of them on a configure, withdrawn on a disconnect), then AppConfigUpdated on
 * `app-events`. The save's revision makes the MessageIds, so a retried activity adds nothing.
 */
export function createAppConfigAnnouncer(temporal: Client, taskQueue: string, settings: SprykerSettings) {
  return async function announceSprykerAppConfig({
    tenant,
    connection,
  }: AppConfigAnnouncement): Promise<void> {
    const access = { temporal, taskQueue };
    const message = appConfigUpdated(settings, tenant, connection);
    const methods = connection.isActive ? [...settings.methods.keys()] : [];
    const seed = `app-config:${connection.revision}:${connection.updatedAt}`;
    // Without PUBLIC_URL the methods have no endpoint to announce; the connection is announced all the same.
    if (settings.publicUrl) {
      await announceMethods(access, settings, tenant, methods, seed, message.MessageAttributes.correlationId);
    } else {
      Context.current().log.warn('PUBLIC_URL is not set: the payment methods are not announced', { tenant });
    }
    await postToMailbox(access, mailboxId(tenant, 'app-events'), {
      messages: [{ id: message.MessageId, content: message }],
    });
  };
}

/** The door's activities, as its workflows (workflows/ beside this file) call them. */
export interface SprykerActivities {
  announceSprykerPaymentMethods: ReturnType<typeof createAnnouncer>;
  announceSprykerAppConfig: ReturnType<typeof createAppConfigAnnouncer>;
}
