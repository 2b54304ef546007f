import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PROJECT_ROOT } from './projectRoot';
import { generatedFiles } from './reference';

/** `npm run docs:config`: writes config/parameters.yml.dist and docs/configuration.md from the declarations. */
for (const { file, text } of generatedFiles()) {
  writeFileSync(file, text);
  console.log(`wrote ${relative(PROJECT_ROOT, file)}`);
}
