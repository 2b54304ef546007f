import { resolveClusterBinaries } from './binaries';
import { postgresBin } from './postgres';

/** Makes sure the cluster's programs are at hand (building them when needed) and prints where they are. */
async function main() {
  const log = (line: string) => console.log(`provision: ${line}`);
  console.log(`PostgreSQL: ${postgresBin()}`);
  const binaries = await resolveClusterBinaries({ log });
  for (const [name, path] of Object.entries(binaries)) console.log(`${name}: ${path}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
