import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PROJECT_ROOT } from '../config/projectRoot';
import { generatedFiles } from '../config/reference';
import { doorSectionsOf } from '../oms';

/**
 * `npm run docs:config`: writes config/parameters.yml.dist and docs/configuration.md from the declarations,
 * the core's and every front door's.
 */
for (const { file, text } of generatedFiles(doorSectionsOf())) {
  writeFileSync(file, text);
  console.log(`wrote ${relative(PROJECT_ROOT, file)}`);
}
