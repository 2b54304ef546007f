import { bundleWorkflowCode } from '@temporalio/worker';
import { ENCRYPTED_FAILURES_PATH } from '../config/payloadCodec';
import { WORKFLOWS_PATH } from './createWorker';
import { WORKFLOW_TRACING_PATH } from './tracing';

/**
 * Bundles workflow code (Settle's by default) ahead of a worker's start, printing only warnings and errors,
 * with the interceptors that trace a traced command's workflow (workflows/tracing.ts); `encryptedFailures`
 * compiles in the failure converter that encrypts failure messages.
 */
export async function bundleWorkflows(
  workflowsPath = WORKFLOWS_PATH,
  { encryptedFailures = false } = {},
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [WORKFLOW_TRACING_PATH],
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
