import { writeFileSync } from 'node:fs';
// A build step is a process's entry, where the worker meets its doors (as in worker/main.ts).
import { FRONT_DOORS } from '../oms';
import { bundleWorkflows } from './bundle';
import { PREBUILT_BUNDLE_PATH, encryptedBundlePath } from './createWorker';

/**
 * Run by `npm run build` (as dist/worker/bundleWorkflows.js): bundles the workflow code of the core and every
 * front door once, at build time,
 * into dist/workflow-bundle.js (and, with the failure converter that encrypts, dist/workflow-bundle.encrypted.js),
 * which the built worker loads. Bundling at start would leave webpack's
 * memory in every worker process: about 120 MB of resident memory (measured with `npm run bench`).
 */
async function main() {
  writeFileSync(PREBUILT_BUNDLE_PATH, await bundleWorkflows(FRONT_DOORS));
  const encrypted = encryptedBundlePath(PREBUILT_BUNDLE_PATH);
  writeFileSync(encrypted, await bundleWorkflows(FRONT_DOORS, { encryptedFailures: true }));
  console.log(`workflow bundles written to ${PREBUILT_BUNDLE_PATH} and ${encrypted}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
