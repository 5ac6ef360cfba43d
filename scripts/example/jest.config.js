// Jest for the example app's smoke test (scripts/example/smoke.test.tsx), from the repository
// root's node_modules: the app's screens with the library's in-memory mock and a react-native stub.
// One React: the app's imports of react are mapped to the root copy the renderer uses.
const path = require('path');

const repo = path.resolve(__dirname, '..', '..');

module.exports = {
  rootDir: repo,
  roots: ['<rootDir>/scripts/example'],
  testMatch: ['**/smoke.test.tsx'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': [
      'ts-jest',
      {
        // isolatedModules: transpile only; check-example.sh type-checks the app with tsc.
        tsconfig: { jsx: 'react-jsx', module: 'commonjs', esModuleInterop: true, strict: true, isolatedModules: true },
      },
    ],
  },
  moduleNameMapper: {
    '^react-native$': '<rootDir>/scripts/example/react-native-stub.tsx',
    '^react-native-otel-sessions$': '<rootDir>/src-ts/index.ts',
    '^react$': '<rootDir>/node_modules/react',
    '^react/(.*)$': '<rootDir>/node_modules/react/$1',
  },
};
