import type { Config } from 'jest';

// ESM + ts-jest: tests import the TypeScript sources directly; process-level tests spawn the
// compiled CLI in dist/ (npm test builds first).
const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  testTimeout: 30_000,
  // Integration tests start local servers; keep workers bounded on 2-core CI machines.
  maxWorkers: 2,
};

export default config;
