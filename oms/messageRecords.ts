import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { facetEntries, SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';

/**
 * A message a door took and did not carry out (a Spryker message dropped, a Deity order update parked), kept
 * where an operator finds it: a workflow that ends at once with the record as its result, tagged with the
 * door, the tenant, the order and the reason (SettleStuckReason), one per message.
 */
export interface MessageRecord {
  /** The record's workflow type, by name: the API needs not load workflow code. */
  readonly workflowType: string;
  /** Derived from the message: the same message again finds its record. */
  readonly workflowId: string;
  readonly taskQueue: string;
  readonly record: object;
  readonly summary: string;
  readonly details: string;
  readonly door: string;
  readonly tenant: string;
  /** SettleStuckReason: `<what>: <reason>`. */
  readonly stuckReason: string;
  readonly orderReference?: string;
}

/** Resolves true once Temporal holds the record, false when it held it before; throws when it cannot. */
export async function keepMessageRecord(temporal: Client, record: MessageRecord): Promise<boolean> {
  try {
    await temporal.workflow.start(record.workflowType, {
      workflowId: record.workflowId,
      taskQueue: record.taskQueue,
      args: [record.record],
      staticSummary: record.summary,
      staticDetails: record.details,
      typedSearchAttributes: [
        {
          key: SEARCH_ATTRIBUTES.facets,
          value: facetEntries({ door: record.door, tenant: record.tenant }),
        },
        { key: SEARCH_ATTRIBUTES.stuckReason, value: record.stuckReason },
        ...(record.orderReference ? [{ key: SEARCH_ATTRIBUTES.orderId, value: record.orderReference }] : []),
      ],
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
