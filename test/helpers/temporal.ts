import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { installRuntime } from '../../worker/runtime';
import * as ephemeral from '../../scripts/ephemeralTemporal';
import { BUNDLE_PATH } from './paths';

let runtimeInstalled = false;
/** Installs the SDK runtime with quiet logs, once per test file. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // ERROR only: the tests provoke failures on purpose, and their warnings would bury the results.
  installRuntime('ERROR', { handleSignals: false });
}

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return ephemeral.createTimeSkippingEnv();
}

export async function createDevServerEnv(
  options?: Parameters<typeof ephemeral.createDevServerEnv>[0],
): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return ephemeral.createDevServerEnv(options);
}

/** Worker options that load the bundle globalSetup built, instead of bundling per test file. */
export const prebuiltBundle = { workflowBundle: { codePath: BUNDLE_PATH } };

/**
 * Polls until `read` returns a value (not undefined), or fails after `timeoutMs`. Tests wait for the event
 * they need this way, never for a fixed time: the deadline is for a loaded machine, where what takes
 * milliseconds when idle can take seconds.
 */
export async function eventually<T>(
  read: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Waits until visibility lists at least `atLeast` workflows for `query`, and resolves with them. */
export async function listedWorkflows(
  client: Client,
  query: string,
  atLeast = 1,
): Promise<WorkflowExecutionInfo[]> {
  return eventually(
    async () => {
      const found: WorkflowExecutionInfo[] = [];
      for await (const execution of client.workflow.list({ query })) found.push(execution);
      return found.length >= atLeast ? found : undefined;
    },
    60_000,
    `${atLeast} workflow(s) listed for ${query}`,
  );
}
