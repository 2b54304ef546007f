import { join } from 'node:path';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../config/tracing';

/**
 * The worker's part of tracing (config/tracing.ts): each activity, the provider call among them, is a span under
 * the workflow that scheduled it, and the workflows' own spans (workflows/tracing.ts) leave the sandbox through
 * the `exporter` sink. Without tracing the sink drops what it is given: the bundle holds the interceptors
 * either way, and a workflow without a trace makes no span.
 */

/** The workflow interceptors' module, for the bundler: `tracing.ts` under tsx and jest, `tracing.js` once built. */
export const WORKFLOW_TRACING_PATH = require.resolve(join(__dirname, '..', 'workflows', 'tracing'));

export function workerTracing(
  tracing: Tracing | undefined,
): Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  const sinks: InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> = {
    exporter: tracing
      ? makeWorkflowExporter(tracing.spanProcessor, tracing.resource)
      : { export: { fn: () => undefined } },
  };
  if (!tracing) return { interceptors: {}, sinks };
  const options = { tracer: tracing.tracer };
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, options),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks,
  };
}
