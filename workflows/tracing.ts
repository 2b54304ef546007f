/**
 * Workflow interceptors compiled into the workflow bundle (worker/bundle.ts): Temporal's OpenTelemetry
 * interceptors, for a workflow whose start carried a trace (the API's, with tracing on; config/tracing.ts).
 * Such a workflow's run is a span under the request that started it, and each activity it schedules carries
 * the trace on to the worker's span of the provider call. A workflow started without a trace passes through
 * untouched, exactly as it would without these interceptors: its history and its replay are unchanged, and no
 * span of it is made.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  Next,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The header Temporal's OpenTelemetry interceptors carry a trace in. */
const TRACE_HEADER = '_tracer-data';

type Headers = Readonly<Record<string, unknown>>;
const carriesTrace = (input: { readonly headers: Headers }) => input.headers[TRACE_HEADER] !== undefined;

export const interceptors = (): WorkflowInterceptors => {
  // Made on first use: a workflow without a trace makes no tracer.
  let inbound: OpenTelemetryInboundInterceptor | undefined;
  let outbound: OpenTelemetryOutboundInterceptor | undefined;
  const traced = () => outbound !== undefined;
  const tracedInbound = () => (inbound ??= new OpenTelemetryInboundInterceptor());

  const inboundCalls: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      if (!carriesTrace(input)) return next(input);
      outbound = new OpenTelemetryOutboundInterceptor();
      return tracedInbound().execute(input, next);
    },
    // A message is traced when it carries a trace, whether or not its workflow's start did.
    handleSignal: (input, next) =>
      carriesTrace(input) ? tracedInbound().handleSignal(input, next) : next(input),
    handleUpdate: (input, next) =>
      carriesTrace(input) ? tracedInbound().handleUpdate(input, next) : next(input),
    handleQuery: (input, next) =>
      carriesTrace(input) ? tracedInbound().handleQuery(input, next) : next(input),
    validateUpdate(input, next) {
      if (carriesTrace(input)) tracedInbound().validateUpdate(input, next);
      else next(input);
    },
  };

  /** What the workflow starts (an activity, a child, a signal) carries its trace, if it has one. */
  const outboundCalls: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => (traced() ? outbound!.scheduleActivity(input, next) : next(input)),
    scheduleLocalActivity: (input, next) =>
      traced() ? outbound!.scheduleLocalActivity(input, next) : next(input),
    startChildWorkflowExecution: (input, next) =>
      traced() ? outbound!.startChildWorkflowExecution(input, next) : next(input),
    continueAsNew: (input, next) => (traced() ? outbound!.continueAsNew(input, next) : next(input)),
    signalWorkflow: (input, next) => (traced() ? outbound!.signalWorkflow(input, next) : next(input)),
    getLogAttributes: (input, next) => (traced() ? outbound!.getLogAttributes(input, next) : next(input)),
  };

  const internals: WorkflowInternalsInterceptor = {
    dispose(input, next) {
      if (inbound === undefined) return next(input);
      void new OpenTelemetryInternalsInterceptor().dispose(input, next);
    },
  };

  return { inbound: [inboundCalls], outbound: [outboundCalls], internals: [internals] };
};
