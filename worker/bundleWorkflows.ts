import { writeFileSync } from 'node:fs';
import { bundleWorkflows } from './bundle';
import { PREBUILT_BUNDLE_PATH, encryptedBundlePath } from './createWorker';

/**
 * Run by `npm run build` (as dist/worker/bundleWorkflows.js): bundles the workflow code once, at build time,
 * into dist/workflow-bundle.js (and, with the failure converter that encrypts, dist/workflow-bundle.encrypted.js),
 * which the built worker loads. Bundling at start would leave webpack's
 * memory in every worker process: about 120 MB of resident memory (measured with `npm run bench`).
 */
async function main() {
  writeFileSync(PREBUILT_BUNDLE_PATH, await bundleWorkflows());
  const encrypted = encryptedBundlePath(PREBUILT_BUNDLE_PATH);
  writeFileSync(encrypted, await bundleWorkflows(undefined, { encryptedFailures: true }));
  console.log(`workflow bundles written to ${PREBUILT_BUNDLE_PATH} and ${encrypted}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
