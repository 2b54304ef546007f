#!/usr/bin/env node
// `settle` as package.json's "bin" (npx settle …): the compiled CLI that `npm run build` writes to dist/, so
// that an install runs JavaScript with its production dependencies only. From the source tree without a build,
// `npm run settle -- …` runs the TypeScript instead.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error(
    `settle: the compiled CLI is missing (${main}): run \`npm run build\` first, or \`npm run settle -- …\` from the source tree`,
  );
  process.exit(1);
}
require(main);
