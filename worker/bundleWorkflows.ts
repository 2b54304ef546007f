import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_BUNDLE_PATH, WORKFLOWS_PATH } from './createWorker';

/**
 * Run by `npm run build` (as dist/worker/bundleWorkflows.js): bundles the workflow code once, at build time,
 * into dist/workflow-bundle.js, which the built worker loads. Bundling at start would leave webpack's
 * memory in every worker process: about 120 MB of resident memory (measured with `npm run bench`).
 */
async function main() {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  writeFileSync(PREBUILT_BUNDLE_PATH, code);
  console.log(`workflow bundle written to ${PREBUILT_BUNDLE_PATH}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
