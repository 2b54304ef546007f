#!/usr/bin/env node
// `settle` as package.json's "bin" (npx settle …) from the source tree: tsx compiles the TypeScript as it
// loads. The container image runs the compiled `node dist/cli/main.js` instead.
require('tsx/cjs/api').register();
require('./main.ts');
