/** Jest for src-ts: TypeScript through ts-jest; `react-native` is a stub (no native code here). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src-ts'],
  testMatch: ['**/__tests__/**/*.test.ts?(x)'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { jsx: 'react-jsx', module: 'commonjs', esModuleInterop: true, strict: true } }],
  },
  moduleNameMapper: { '^react-native$': '<rootDir>/src-ts/__tests__/support/react-native-stub.ts' },
};
