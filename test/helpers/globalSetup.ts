import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveHelm } from '../../scripts/helm';
import { resolveStripeMock } from '../../scripts/stripe-mock';
import { ensureTestSystem } from '../../scripts/systemCheck';
import { resolveTemporalCli, resolveTestServer } from '../../scripts/temporal-binaries';
import { bundleWorkflows } from '../../worker/bundle';
import { BUNDLE_PATH } from './paths';
import { FRONT_DOORS } from '../../oms';

/**
 * Once per `jest` run, before the test files: the system programs the suite needs (installed from Debian's
 * packages as root, else one message naming what is missing, in the first seconds), the Temporal binaries,
 * stripe-mock and Helm (built from the registries if needed, so parallel test files never race to build them)
 * and one workflow bundle that every worker in the tests loads instead of bundling again.
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string) => console.log(`\n[setup] ${line}`);
  await ensureTestSystem(log);
  for (const resolution of [await resolveTemporalCli({ log }), await resolveTestServer({ log })]) {
    if (resolution.executable.type === 'existing-path') {
      process.env[resolution.label.includes('CLI') ? 'TEMPORAL_CLI_PATH' : 'TEMPORAL_TEST_SERVER_PATH'] =
        resolution.executable.path;
    }
  }
  process.env.STRIPE_MOCK_PATH = await resolveStripeMock({ log });
  process.env.HELM_PATH = await resolveHelm({ log });
  const code = await bundleWorkflows(FRONT_DOORS);
  mkdirSync(dirname(BUNDLE_PATH), { recursive: true });
  writeFileSync(BUNDLE_PATH, code);
}
