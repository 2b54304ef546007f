import { resolveClusterBinaries } from '../../scripts/cluster/binaries';
import { postgresBin } from '../../scripts/cluster/postgres';

/**
 * Once per `npm run test:cluster`: PostgreSQL must be installed, and the cluster's programs are built from the
 * package registries if the cache lacks them (about 6 minutes cold), before any test's timeout runs.
 */
export default async function globalSetup(): Promise<void> {
  postgresBin();
  await resolveClusterBinaries({ log: (line) => console.log(`\n[setup] ${line}`) });
}
