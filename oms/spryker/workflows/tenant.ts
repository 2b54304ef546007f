import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { OMS_RETRY } from '../../../workflows/retryPolicies';
import { continueAsNewDue, continueAsNewWhenDue } from '../../../workflows/continueAsNew';
import type { SprykerActivities } from '../announce';
import {
  configureTenantUpdate,
  disconnectTenantUpdate,
  tenantConnectionQuery,
  type TenantConnection,
} from './tenantMessages';

const { announceSprykerAppConfig } = proxyActivities<SprykerActivities>({
  startToCloseTimeout: '1 minute',
  retry: OMS_RETRY,
});

/**
 * One Spryker tenant's connection for as long as Settle serves it: its configuration, status and whether it
 * is active, as app-kernel keeps them (ConfigWriter). Each save is announced to the tenant's shop before the
 * update answers (its payment methods, then AppConfigUpdated on `app-events`), one save after the other, so
 * the shop reads them in the order they were made. Continues as new when its history grows.
 */
export async function sprykerTenantWorkflow(carried?: TenantConnection): Promise<void> {
  const tenant = workflowInfo().workflowId.split(':').slice(2).join(':');
  let connection = carried;
  // Saves are announced one at a time, in order: each waits for the one before.
  let announcing: Promise<unknown> = Promise.resolve();

  const save = (
    change: (before: TenantConnection | undefined) => Omit<TenantConnection, 'revision' | 'updatedAt'>,
  ) => {
    const saved: TenantConnection = {
      ...change(connection),
      revision: (connection?.revision ?? 0) + 1,
      updatedAt: new Date().toISOString(),
    };
    connection = saved;
    const announced = announcing.then(() => announceSprykerAppConfig({ tenant, connection: saved }));
    announcing = announced.catch(() => undefined);
    return announced.then(() => saved);
  };

  setHandler(configureTenantUpdate, (configuration) =>
    save((before) => ({
      // app-kernel: NEW on the first save, CONNECTED when a disconnected tenant is configured again.
      status: before === undefined ? 'NEW' : before.status === 'DISCONNECTED' ? 'CONNECTED' : before.status,
      isActive: true,
      configuration: { ...before?.configuration, ...configuration },
    })),
  );
  setHandler(disconnectTenantUpdate, () =>
    save((before) => ({
      status: 'DISCONNECTED',
      isActive: false,
      configuration: before?.configuration ?? {},
    })),
  );
  setHandler(tenantConnectionQuery, () => connection);

  await condition(() => continueAsNewDue());
  await continueAsNewWhenDue(() => continueAsNew<typeof sprykerTenantWorkflow>(connection));
}
