import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type {
  ExecuteProviderCommandInput,
  FetchProviderStatusInput,
  InspectAuthorizationInput,
  ReportOutcomeInput,
} from '../../activities';
import { turnHolderActivities } from '../../activities/turnHolder';
import type { PaymentCommandInput } from '../../domain/paymentCommand';
import { notificationMethod } from '../../oms/mib/methods';
import { paymentTurnId } from '../../domain/workflowId';
import type { AuthorizationState, ProviderResult } from '../../providers/types';
import { paymentCommandWorkflow } from '../../workflows/paymentCommand';
import { prebuiltBundle } from './temporal';

/**
 * The payment workflow on the time-skipping server with its provider and report activities replaced by
 * functions that record their calls and answer what a test sets; the payment's turn (paymentTurn.ts) is real.
 * Commands come through the MIB door, whose report is the notification method.
 */
export function paymentWorkflowHarness(env: () => TestWorkflowEnvironment) {
  const harness = {
    executions: [] as ExecuteProviderCommandInput[],
    inspections: [] as InspectAuthorizationInput[],
    statusChecks: [] as FetchProviderStatusInput[],
    notifications: [] as ReportOutcomeInput[],
    answer: async (_input: ExecuteProviderCommandInput): Promise<ProviderResult> => {
      throw new Error('no answer set');
    },
    authorizationState: undefined as AuthorizationState | undefined,
    status: async (_input: FetchProviderStatusInput): Promise<ProviderResult | undefined> => undefined,
    deliver: async (_report: ReportOutcomeInput): Promise<void> => undefined,
    /** Each test its own task queue, so that a failed test's worker cannot take another's tasks. */
    taskQueue: '',
    /** Payment references of this test, whose act workflows must all have ended with the test. */
    references: [] as string[],

    reset() {
      harness.executions = [];
      harness.inspections = [];
      harness.statusChecks = [];
      harness.notifications = [];
      harness.status = async () => undefined;
      harness.deliver = async () => undefined;
      harness.taskQueue = `payments-${expect.getState().currentTestName}`;
      harness.references = [];
    },

    async withWorker<T>(run: (worker: Worker) => Promise<T>): Promise<T> {
      const worker = await Worker.create({
        connection: env().nativeConnection,
        taskQueue: harness.taskQueue,
        ...prebuiltBundle,
        activities: {
          executeProviderCommand: async (request: ExecuteProviderCommandInput) => {
            harness.executions.push(request);
            return harness.answer(request);
          },
          inspectAuthorization: async (query: InspectAuthorizationInput) => {
            harness.inspections.push(query);
            return harness.authorizationState!;
          },
          fetchProviderStatus: async (query: FetchProviderStatusInput) => {
            harness.statusChecks.push(query);
            return harness.status(query);
          },
          ...turnHolderActivities(env().client),
          reportOutcome: async (report: ReportOutcomeInput) => {
            await harness.deliver(report);
            harness.notifications.push(report);
            return notificationMethod(report.command, report.result.outcome === 'settled');
          },
        },
      });
      return worker.runUntil(async () => {
        const result = await run(worker);
        // The payment's turn ends with its act: a command that has its outcome holds no turn.
        for (const reference of new Set(harness.references)) {
          const turn = env().client.workflow.getHandle(paymentTurnId(reference));
          const running = await turn.describe().then(
            ({ status }) => status.name === 'RUNNING',
            () => false,
          );
          if (running) throw new Error(`the turn of ${reference} is still held`);
        }
        return result;
      });
    },

    /** A capture of 49.90 EUR; the payment reference is the workflow id, so tests never share a turn. */
    input(workflowId: string, overrides: Partial<PaymentCommandInput> = {}): PaymentCommandInput {
      const payment = {
        reference: workflowId,
        currency: 'EUR',
        transactions: [{ amount: '49.90', gateway_information: { transaction_id: 'auth_7' } }],
      };
      return {
        command: 'capture',
        reference: workflowId,
        provider: 'gateway',
        transactionId: 'auth_7',
        amountMinor: 4990,
        currency: 'EUR',
        // Webhook only, and a deadline far beyond any test's wait (Infinity does not survive JSON).
        settlement: { pollScheduleMs: [], statusApi: false, deadlineMs: 1000 * 86_400_000 },
        reply: { door: 'mib', context: { payment } },
        ...overrides,
      };
    },

    start(workflowId: string, overrides: Partial<PaymentCommandInput> = {}) {
      const input = harness.input(workflowId, overrides);
      harness.references.push(input.reference);
      return env().client.workflow.start(paymentCommandWorkflow, {
        workflowId,
        taskQueue: harness.taskQueue,
        args: [input],
      });
    },
  };
  return harness;
}
