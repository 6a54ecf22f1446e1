// Lint for libs and services TypeScript. Syntax-level rules only (no type information), so a
// full run stays a few seconds on two cores; `tsc` per package already checks types.
// No consistent-type-imports: with emitDecoratorMetadata a class imported as a type only
// becomes `Object` in Nest's constructor metadata and dependency injection breaks silently.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'libs/contracts/src/gen/**'],
  },
  {
    files: ['libs/**/*.ts', 'services/**/*.ts', 'tools/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^@switchyard/[^/]+/src(/|$)', message: 'Import the package entry (@switchyard/<name>), not its src/.' }] },
      ],
    },
  },
);
