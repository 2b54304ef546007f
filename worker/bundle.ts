import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ENCRYPTED_FAILURES_PATH } from '../config/payloadCodec';
import { PROJECT_ROOT } from '../config/projectRoot';
import type { WorkerDoor } from './doors';
import { WORKFLOW_TRACING_PATH } from './tracing';

/** The core's workflows: `index.ts` under tsx and jest, `index.js` once built. */
export const CORE_WORKFLOWS_PATH = require.resolve(join(__dirname, '..', 'workflows'));

/**
 * The bundle's entry: the core's workflows and each door's (WorkerDoor.workflows), exported under their own
 * names, which their histories carry. A door list is known only when the process starts, so the entry is
 * written then: a module of re-exports, named for its content (processes writing the same one agree), inside
 * the project, where the bundler finds the SDK's modules it adds to the entry.
 */
export function workflowsEntry(doors: readonly Pick<WorkerDoor, 'workflows'>[]): string {
  const modules = [CORE_WORKFLOWS_PATH, ...doors.flatMap((door) => (door.workflows ? [door.workflows] : []))];
  if (modules.length === 1) return CORE_WORKFLOWS_PATH;
  const text = modules.map((module) => `export * from ${JSON.stringify(module)};\n`).join('');
  const folder = join(PROJECT_ROOT, '.cache', 'workflow-entries');
  const entry = join(folder, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.js`);
  mkdirSync(folder, { recursive: true });
  // Written whole, then renamed: a bundler reading it never sees half a file.
  const partial = `${entry}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, entry);
  return entry;
}

/**
 * Bundles the workflow code of the core and of `doors` ahead of a worker's start, printing only warnings and
 * errors, with the interceptors that trace a traced command's workflow (workflows/tracing.ts);
 * `encryptedFailures` compiles in the failure converter that encrypts failure messages.
 */
export async function bundleWorkflows(
  doors: readonly Pick<WorkerDoor, 'workflows'>[],
  options: { encryptedFailures?: boolean } = {},
): Promise<string> {
  return bundleWorkflowsAt(workflowsEntry(doors), { ...options, interceptors: [WORKFLOW_TRACING_PATH] });
}

/** The same for the workflows that one module exports (a benchmark's baseline), with no interceptors of Settle's. */
export async function bundleWorkflowsAt(
  workflowsPath: string,
  { encryptedFailures = false, interceptors = [] as readonly string[] } = {},
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [...interceptors],
    logger: quietLogger,
    ...(encryptedFailures ? { failureConverterPath: ENCRYPTED_FAILURES_PATH } : {}),
  });
  return code;
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
