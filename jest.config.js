/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  globalSetup: '<rootDir>/test/helpers/globalSetup.ts',
  testMatch: ['**/*.test.ts'],
  // The cluster suite has its own run (npm run test:cluster, jest.cluster.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // oauth4webapi ships only ES modules; Node 20 requires them natively, jest's module loader does not.
    '/node_modules/oauth4webapi/.+\\.js$': ['@swc/jest'],
  },
  transformIgnorePatterns: ['/node_modules/(?!oauth4webapi/)'],
  // Starting Temporal servers takes seconds, and a loaded machine makes them several times longer; a test waits
  // for events with `eventually` (60 s), well inside this.
  testTimeout: 120_000,
  // Two cores: the integration tests run their own servers, so two test files at a time is the limit.
  maxWorkers: 2,
};
