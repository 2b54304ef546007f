// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS config extends the main one
const base = require('./jest.config.js');

/**
 * `npm run test:cluster`: Settle on a real Temporal cluster (PostgreSQL, the multi-service server), started by
 * `npm start -- --cluster`. One file at a time: each test file runs a whole cluster.
 */
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  globalSetup: '<rootDir>/test/cluster/globalSetup.ts',
  testPathIgnorePatterns: [],
  testTimeout: 180_000,
  maxWorkers: 1,
};
