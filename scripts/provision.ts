import { resolveHelm } from './helm';
import { resolveStripeMock } from './stripe-mock';
import { resolveTemporalCli, resolveTestServer, type Resolution } from './temporal-binaries';

/**
 * `npm run provision`: makes sure the Temporal CLI, the time-skipping test server, stripe-mock (for the
 * Stripe adapter's tests) and Helm (for the chart's tests) are at hand, building them from the package
 * registries when needed, and prints where they are. With CI=true a fallback to the SDK's download, which
 * needs internet, is an error.
 */
async function main() {
  const log = (line: string) => console.log(`provision: ${line}`);
  const resolutions = [await resolveTemporalCli({ log }), await resolveTestServer({ log })];
  for (const r of resolutions) console.log(describe(r));
  console.log(`stripe-mock: ${await resolveStripeMock({ log })}`);
  console.log(`Helm: ${await resolveHelm({ log })}`);
  const missing = resolutions.filter((r) => r.source === 'sdk-download');
  if (missing.length > 0 && process.env.CI === 'true') {
    for (const r of missing)
      console.error(`${r.label}: nothing local. Tried:\n  - ${r.tried.join('\n  - ')}\nTo fix: ${r.hint}.`);
    process.exit(1);
  }
}

function describe(r: Resolution): string {
  const where = r.executable.type === 'existing-path' ? r.executable.path : "the SDK's download at first use";
  return `${r.label}: ${where} (from ${r.source})`;
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
