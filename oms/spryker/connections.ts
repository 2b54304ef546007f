import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { mapLimited } from '../../domain/concurrency';
import { capturableMinor, ORDER_PAYMENT_WORKFLOW, type OrderPaymentState } from '../../domain/orderPayment';
import { orderPaymentOf } from '../orderPayments';
import { facetEntry, SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { SPRYKER_DOOR, type SprykerSettings } from './door';
import {
  configureTenantUpdate,
  disconnectTenantUpdate,
  tenantConnectionQuery,
  type TenantConnection,
} from './workflows/tenantMessages';

/**
 * Which Spryker tenants are connected. A tenant is connected once the ACP registry configured it
 * (`/private/configure`) until it disconnects it; a tenant of SPRYKER_TENANTS that was never configured counts
 * as connected, so a static development setup works as before. One long-lived workflow per tenant keeps the
 * connection (workflows/tenant.ts); the API reads it through a cache of a few seconds.
 */

/** The workflow type, by name: the API need not load workflow code. */
const TENANT_WORKFLOW = 'sprykerTenantWorkflow';

export const tenantWorkflowId = (tenant: string) => `tenant:${SPRYKER_DOOR}:${tenant}`;

/** How long a connection read from Temporal is used: a disconnect shows on other API processes within it. */
export const CONNECTION_FRESH_MS = 5000;

export interface ConnectionAccess {
  readonly temporal: Client;
  readonly taskQueue: string;
}

/** The tenant's connection as saved; undefined for a tenant never configured. */
export async function connectionOf(temporal: Client, tenant: string): Promise<TenantConnection | undefined> {
  try {
    return await temporal.workflow.getHandle(tenantWorkflowId(tenant)).query(tenantConnectionQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

const seen = new Map<string, { at: number; connection: TenantConnection | undefined }>();

function remember(tenant: string, connection: TenantConnection | undefined) {
  if (seen.size > 10_000) seen.clear();
  seen.set(tenant, { at: Date.now(), connection });
}

/** Whether the tenant is connected now (within CONNECTION_FRESH_MS); throws when Temporal cannot say. */
export async function isConnected(
  temporal: Client,
  settings: SprykerSettings | undefined,
  tenant: string,
): Promise<boolean> {
  const cached = seen.get(tenant);
  let connection = cached?.connection;
  if (!cached || Date.now() - cached.at >= CONNECTION_FRESH_MS) {
    connection = await connectionOf(temporal, tenant);
    remember(tenant, connection);
  }
  return connection ? connection.isActive : (settings?.tenants.has(tenant) ?? false);
}

/** Saves a configuration (merged over the stored one) and connects the tenant; resolves once announced. */
export function configureTenant(
  access: ConnectionAccess,
  tenant: string,
  configuration: Readonly<Record<string, unknown>>,
): Promise<TenantConnection> {
  return save(access, tenant, (operation) =>
    access.temporal.workflow.executeUpdateWithStart(configureTenantUpdate, {
      args: [configuration],
      startWorkflowOperation: operation,
    }),
  );
}

/**
 * Disconnects the tenant; resolves once announced. A static tenant never configured is disconnected too:
 * its workflow starts with the disconnect (status DISCONNECTED, no configuration).
 */
export function disconnectTenant(access: ConnectionAccess, tenant: string): Promise<TenantConnection> {
  return save(access, tenant, (operation) =>
    access.temporal.workflow.executeUpdateWithStart(disconnectTenantUpdate, {
      args: [],
      startWorkflowOperation: operation,
    }),
  );
}

/**
 * How long a save may take, announcement included: it needs the worker. Past it the call fails (the save may
 * still be announced later; the registry calls again, which saves the same again).
 */
export const SAVE_WAIT_MS = 30_000;

/** Runs a save on the tenant's workflow, starting it if need be, and remembers what it answers. */
async function save(
  { temporal, taskQueue }: ConnectionAccess,
  tenant: string,
  run: (operation: WithStartWorkflowOperation<() => Promise<void>>) => Promise<TenantConnection>,
): Promise<TenantConnection> {
  const connection = await temporal.connection.withDeadline(Date.now() + SAVE_WAIT_MS, () =>
    run(
      new WithStartWorkflowOperation(TENANT_WORKFLOW, {
        workflowId: tenantWorkflowId(tenant),
        taskQueue,
        args: [],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        staticSummary: `the Spryker tenant ${tenant}: its configuration and connection`,
        typedSearchAttributes: [
          {
            key: SEARCH_ATTRIBUTES.facets,
            value: [facetEntry('door', SPRYKER_DOOR), facetEntry('tenant', tenant)],
          },
        ],
      }),
    ),
  );
  remember(tenant, connection);
  return connection;
}

/** An order's payment is open while its money may still move: authorization pending, or capturable. */
function isOpen(state: OrderPaymentState): boolean {
  if (Object.values(state.commands).some((command) => command.state === 'running')) return true;
  if (state.canceled) return false;
  return state.authorization?.outcome === 'pending' || capturableMinor(state) > 0;
}

/** How many orders the disconnect check looks at; past it, the tenant has open orders in any case. */
const OPEN_ORDERS_CHECKED = 100;

/**
 * The references of the tenant's open orders (at most OPEN_ORDERS_CHECKED), as app-payment refuses a disconnect
 * while a payment is neither captured nor canceled. Read from Temporal's visibility, a moment behind.
 */
export async function openOrdersOf(temporal: Client, tenant: string): Promise<string[]> {
  const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const query = [
    `WorkflowType = ${quote(ORDER_PAYMENT_WORKFLOW)}`,
    'ExecutionStatus = "Running"',
    `${SEARCH_ATTRIBUTES.facets.name} = ${quote(facetEntry('door', SPRYKER_DOOR))}`,
    `${SEARCH_ATTRIBUTES.facets.name} = ${quote(facetEntry('tenant', tenant))}`,
  ].join(' AND ');
  const references: string[] = [];
  for await (const info of temporal.workflow.list({ query, pageSize: OPEN_ORDERS_CHECKED })) {
    const reference = info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.orderId);
    if (reference) references.push(reference);
    if (references.length >= OPEN_ORDERS_CHECKED) break;
  }
  const states = await mapLimited(references, 10, (orderReference) =>
    orderPaymentOf(temporal, { door: SPRYKER_DOOR, tenant, orderReference }),
  );
  return references.filter((_, at) => states[at] && isOpen(states[at]));
}
