// One Jest configuration for the whole repo: three projects, selected by file suffix.
// ESM throughout: run with `node --experimental-vm-modules` (see docs/decisions/esm.md).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'es6' },
  },
];

const base = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Relative imports are written with `.js` (NodeNext); map them back to the .ts source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Workspace packages expose their TypeScript source under this export condition.
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@switchyard/source'] },
  testEnvironment: 'node',
  roots: [
    '<rootDir>/apps',
    '<rootDir>/libs',
    '<rootDir>/services',
    '<rootDir>/tests',
    '<rootDir>/tools',
    '<rootDir>/deploy',
    '<rootDir>/bench',
  ].filter(Boolean),
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

export default {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['**/*.int.spec.ts'], slowTestThreshold: 30 },
    { ...base, displayName: 'e2e', testMatch: ['**/*.e2e.spec.ts'], slowTestThreshold: 60 },
  ],
};
