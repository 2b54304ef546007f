import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ClientInterceptors } from '@temporalio/client';
import type { ConfigOf } from './catalogue';

/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector. One trace per command: the
 * API's span of the HTTP request (http/requestScope.ts), the client's span of the workflow start, which
 * carries the context in the start's headers (Temporal's OpenTelemetry interceptors), the workflow's spans
 * (interceptors compiled into the workflow bundle), and the worker's span of each activity, the provider call.
 */
export interface Tracing {
  readonly tracer: otel.Tracer;
  /** Where every span goes, the workflows' too (worker/tracing.ts hands them over through a sink). */
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  /** Sends the spans still held and stops. */
  shutdown(): Promise<void>;
}

/** Tracing through `spanProcessor`, for the service named (`settle-api`, `settle-worker`). */
export function startTracing(spanProcessor: SpanProcessor, service: string): Tracing {
  installContext();
  const resource = new Resource({ 'service.name': service });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  return {
    tracer: provider.getTracer('settle'),
    spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
  };
}

/** Tracing to the configured collector over OTLP/HTTP, or none without OTEL_EXPORTER_OTLP_ENDPOINT. */
export function tracingFromConfig(config: ConfigOf<'log'>, service: string): Tracing | undefined {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined) return undefined;
  const exporter = new OTLPTraceExporter({ url: `${endpoint}/v1/traces` });
  return startTracing(new BatchSpanProcessor(exporter), service);
}

/** The client's interceptors: its workflow starts, signals and updates carry the active trace. */
export function tracingClientInterceptors(tracing: Tracing | undefined): ClientInterceptors {
  return tracing
    ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] }
    : {};
}

let installed = false;

/**
 * The process's active span follows its asynchronous continuations (AsyncLocalStorage), and crosses processes
 * and Temporal's headers as W3C `traceparent`.
 */
function installContext(): void {
  if (installed) return;
  installed = true;
  otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}
