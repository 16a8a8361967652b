/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // The slowest test takes about 4 s with both cores busy; time itself is tested on virtual clocks
  // (test/helpers/virtual-clock.ts), so a test that needs longer is a slow test to fix, not to wait for.
  testTimeout: 15_000,
  // Both cores (jest's default on two is one worker): test files share nothing (ephemeral ports,
  // temporary directories), and the suite then stays under a minute even on a busy machine.
  maxWorkers: 2,
};
