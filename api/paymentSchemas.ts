import { z } from 'zod';
import { PAYMENT_COMMANDS } from '../domain/commands';
import type { FinalOutcome, Phase } from '../domain/outcome';
import { PROVIDER_NAMES } from '../providers/routes';

/**
 * The operator's view of payments (`/payments`, `settle payments`): the filters and the resolution it
 * validates with, and the answers it gives. The API, the CLI and the OpenAPI document share them, so the
 * terminal refuses what the API refuses and the document describes what the code checks.
 */

// Written out as objects so that the compiler notices a phase or outcome added in domain/outcome.ts.
const PHASES: { readonly [P in Phase]: P } = {
  executing: 'executing',
  awaiting_settlement: 'awaiting_settlement',
  notifying: 'notifying',
  stuck: 'stuck',
  done: 'done',
};
const FINAL_OUTCOMES: { readonly [O in FinalOutcome]: O } = { settled: 'settled', declined: 'declined' };

export const phaseSchema = z.enum(PHASES);
export const finalOutcomeSchema = z.enum(FINAL_OUTCOMES);
const commandSchema = z.enum(PAYMENT_COMMANDS);
/**
 * A MIB payment reference or order id (1–200 characters, mib/payment.ts) to search for. Temporal's visibility
 * store (SQLite, at least) matches no value with a double quote or a backslash, however it is escaped: such
 * a filter is refused rather than answered with nothing.
 */
const paymentKey = z
  .string()
  .min(1)
  .max(200)
  // The control characters (\p{Cc}) as code points: the document carries the pattern to clients' regex engines.
  .regex(
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    /^[^"\\\x00-\x1f\x7f-\x9f]*$/u,
    'cannot search for ", \\ or control characters (Temporal cannot match them)',
  );

export const LIST_LIMIT = { default: 50, max: 500 } as const;

/** `GET /payments` query parameters: each one narrows the Temporal visibility query. */
export const paymentListFilterSchema = z.strictObject({
  phase: phaseSchema.optional().describe('SettlePhase; `stuck` lists the payments that need a person.'),
  command: commandSchema.optional().describe('SettleFacets `command:<command>`.'),
  provider: z.enum(PROVIDER_NAMES).optional().describe('SettleFacets `provider:<provider>`.'),
  outcome: finalOutcomeSchema.optional().describe('SettleOutcome, set once the outcome is known.'),
  reference: paymentKey.optional().describe("SettlePaymentReference: the MIB payment's reference."),
  orderId: paymentKey.optional().describe('SettleOrderId: the order (its reference when MIB sent none).'),
  status: z
    .enum(['open', 'closed'])
    .optional()
    .describe('open: the workflow still runs; closed: it has ended. Both when absent.'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIST_LIMIT.max)
    .default(LIST_LIMIT.default)
    .describe(`How many payments at most (default ${LIST_LIMIT.default}).`),
});
export type PaymentListFilter = z.output<typeof paymentListFilterSchema>;

/** `POST /payments/{id}/resolve`: the outcome the provider never reported, decided by a named person. */
export const resolutionSchema = z.strictObject({
  outcome: finalOutcomeSchema.describe('settled sends the success notification, declined the failure.'),
  reason: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .describe('Why; kept in the timeline, and the reason MIB gets with a declined outcome.'),
  operator: z.string().trim().min(1).max(200).describe('Who decided.'),
  force: z
    .boolean()
    .optional()
    .describe(
      'Declined although the provider, asked first where it has a status API, still has the command pending ' +
        'or cannot be asked. A command the provider says it settled is never declined.',
    ),
});

const count = z.number().int().min(0);
const instant = z.string().describe('ISO 8601');

/** What the workflow's `status` query answers (workflows/messages.ts PaymentCommandStatus). */
export const paymentStatusSchema = z.object({
  workflowId: z.string(),
  door: z.string().describe('The front door the command came through (mib, …).'),
  reference: z.string(),
  command: commandSchema,
  provider: z.string(),
  amountMinor: count.describe('The amount in minor units of the currency.'),
  currency: z.string(),
  phase: phaseSchema,
  outcome: finalOutcomeSchema.optional(),
  transactionId: z.string().describe('The authorization the command acts on.'),
  newTransactionId: z.string().optional().describe('The authorization that replaced it (revalidate).'),
  operationId: z.string().optional().describe("The provider's id of the command's operation."),
  attempts: z
    .object({ provider: count, statusChecks: count, notifications: count })
    .describe('Calls the workflow made; retries of a call in progress are in pendingActivities.'),
  lastError: z.string().optional(),
  stuckReason: z.string().optional(),
  deadline: instant.describe('When the payment is stuck if no outcome is known by then.'),
  nextCheckAt: instant.optional().describe('When Settle next asks the provider.'),
  resolution: resolutionSchema.extend({ at: instant }).optional(),
  waitingFor: z.string().optional().describe('What the command waits for now, in words.'),
  nextStep: z
    .string()
    .optional()
    .describe('For a stuck payment: the `settle payments` command that moves it on.'),
  timeline: z
    .array(z.object({ at: instant, what: z.string(), milestone: z.literal(true).optional() }))
    .describe(
      'Oldest first: the first entries, the milestones (first answer, stuck, resolution, report) and the ' +
        'latest ones; a marker entry counts what was dropped between them.',
    ),
});

/** `GET /payments/{id}`: the status query and what Temporal knows of the workflow. */
export const paymentDetailsSchema = paymentStatusSchema.extend({
  execution: z.object({
    status: z.string().describe('RUNNING, COMPLETED, FAILED, …'),
    runId: z.string(),
    startTime: instant,
    closeTime: instant.optional(),
    historyLength: count,
  }),
  pendingActivities: z
    .array(
      z.object({
        activity: z.string(),
        state: z.string().describe('scheduled, started, …'),
        attempt: count.describe('The attempt running or next; above 1 after failures.'),
        lastFailure: z.string().optional().describe('Why the previous attempt failed.'),
        nextAttemptAt: instant.optional(),
      }),
    )
    .describe('Activities in progress, e.g. a provider call retried through an outage.'),
});

/**
 * One row of `GET /payments`: the workflow's search attributes, and for a running workflow its `status`
 * query (phase, outcome, stuck reason and next check as they are now; visibility's, which may lag, when the
 * query gets no answer in time).
 */
export const paymentSummarySchema = z.object({
  workflowId: z.string(),
  reference: z.string().optional(),
  orderId: z.string().optional(),
  command: z.string().optional(),
  provider: z.string().optional(),
  phase: z.string().optional(),
  outcome: z.string().optional(),
  stuckReason: z.string().optional().describe('Why the payment is stuck, while it is.'),
  amountMinor: count.optional().describe('The amount in minor units of the currency.'),
  currency: z.string().optional(),
  deadline: instant.optional().describe('When the payment is stuck if no outcome is known by then.'),
  nextCheckAt: instant
    .optional()
    .describe('When Settle next asks the provider (running payments whose status query answered).'),
  status: z.string().describe('RUNNING, COMPLETED, FAILED, …'),
  startTime: instant,
  closeTime: instant.optional(),
});

export const paymentListSchema = z.object({
  query: z.string().describe('The visibility query, usable in the Web UI and `temporal workflow list`.'),
  payments: z.array(paymentSummarySchema),
  more: z.boolean().describe('More payments match than limit.'),
});

/** What recheck and retry-notification answer: the signal was accepted; the timeline shows what follows. */
export const signalAcceptedSchema = z.object({ accepted: z.literal(true), workflowId: z.string() });

/** A request the operator API refuses for its input; each issue names the field, e.g. `body.outcome`. */
export const invalidInputSchema = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});

export type PaymentDetails = z.output<typeof paymentDetailsSchema>;
export type PaymentSummary = z.output<typeof paymentSummarySchema>;
export type PaymentList = z.output<typeof paymentListSchema>;
export type PaymentStatus = z.output<typeof paymentStatusSchema>;
