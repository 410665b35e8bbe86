// Shared jest configuration of every package: ts-jest without type checking (the build type-checks),
// and @gahb/* imports mapped to the sibling package's TypeScript sources so tests need no build.
const path = require('node:path');

module.exports = {
  // Node environment whose global object has no vm interceptors, so reads of globals such as `Math`
  // run at plain-Node speed.
  testEnvironment: path.join(__dirname, 'tools/jest-node-environment.js'),
  roots: ['<rootDir>/src', '<rootDir>/test'].filter((dir) =>
    require('node:fs').existsSync(dir.replace('<rootDir>', process.cwd())),
  ),
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.jest.json') }],
  },
  moduleNameMapper: {
    '^@gahb/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
  },
  testTimeout: 120000,
  maxWorkers: 1,
};
