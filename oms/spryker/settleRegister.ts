import type { DoorRegistration } from '../door';
import type { Announcement } from './announce';
import { ANNOUNCE_SCHEDULE_ID, ANNOUNCE_WORKFLOW_ID, type SprykerConfig } from './door';

/**
 * `settle register --door spryker`: announces Settle's payment methods to every tenant (workflow
 * `announcePaymentMethodsWorkflow`), as a Spryker payment app registers.
 */
export const sprykerRegistration: DoorRegistration<SprykerConfig> = {
  oms: 'Spryker',
  registers: "Spryker's payment methods",
  about:
    'announces SPRYKER_PAYMENT_METHODS to every tenant of SPRYKER_TENANTS (AddPaymentMethod, with ' +
    '<PUBLIC_URL>/spryker/private/initialize-payment; DeletePaymentMethod for methods no longer configured).',
  scheduleId: ANNOUNCE_SCHEDULE_ID,
  everySetting: 'SPRYKER_ANNOUNCE_EVERY',
  // The worker announces what its own settings name: the methods, to its tenants.
  of: (config) => ({
    workflowType: 'announcePaymentMethodsWorkflow',
    workflowId: ANNOUNCE_WORKFLOW_ID,
    scheduleId: ANNOUNCE_SCHEDULE_ID,
    args: [],
    summary: "announce Settle's payment methods to the Spryker tenants",
    every: config.SPRYKER_ANNOUNCE_EVERY,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    describe: (announcements) =>
      (announcements as Announcement[])
        .map(
          ({ tenant, added, deleted }) =>
            `announced to ${tenant}: ${added.join(', ') || 'no method'}` +
            (deleted.length > 0 ? `; withdrawn: ${deleted.join(', ')}` : ''),
        )
        .join('\n'),
  }),
};
