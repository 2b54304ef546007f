import { defineQuery, defineUpdate } from '@temporalio/workflow';

/**
 * A Spryker tenant's connection to Settle as the ACP registry set it up (`POST /spryker/private/configure` and
 * `/private/disconnect`, as spryker/app-kernel serves them). The messages of tenant.ts beside this file, defined
 * once for the workflow and the door.
 */

/** app-kernel's statuses: NEW on the first configure, DISCONNECTED on disconnect, CONNECTED on a reconnect. */
export type TenantStatus = 'NEW' | 'CONNECTED' | 'DISCONNECTED';

export interface TenantConnection {
  readonly status: TenantStatus;
  readonly isActive: boolean;
  /** The configuration as saved: each configure merges its keys over the stored ones. */
  readonly configuration: Readonly<Record<string, unknown>>;
  /** Counts the saves: the AppConfigUpdated of each save has its own MessageId. */
  readonly revision: number;
  /** ISO 8601, the workflow's clock at the last save. */
  readonly updatedAt: string;
}

/** Saves a configuration (merged over the stored one) and connects the tenant; answers the connection. */
export const configureTenantUpdate = defineUpdate<TenantConnection, [Readonly<Record<string, unknown>>]>(
  'configureTenant',
);

/** Disconnects the tenant, keeping its configuration; answers the connection. */
export const disconnectTenantUpdate = defineUpdate<TenantConnection, []>('disconnectTenant');

/** The connection; undefined before the first configure. */
export const tenantConnectionQuery = defineQuery<TenantConnection | undefined>('tenantConnection');

/** What the workflow has the door announce after each save (activity announceSprykerAppConfig). */
export interface AppConfigAnnouncement {
  readonly tenant: string;
  readonly connection: TenantConnection;
}
