// @ts-check
// `npm run lint`: typescript-eslint's type-aware recommended rules over every TypeScript project (the
// Node apps, libs, tests and benches through tsconfig.json; the dashboard through its own tsconfig).
// Only rules that find bugs or dead code are on; formatting is nobody's business here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**', 'bench/results/**', '**/*.cjs'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Unused code is dead code; a leading underscore says "unused on purpose" (a required parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Floating promises lose errors; `void promise` marks the few that are deliberately not awaited.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      // Express/Nest callbacks and event listeners take async functions on purpose.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // Numbers and booleans in template strings are fine.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      // Nest's DI needs classes that are imported for their value even when used only as types.
      '@typescript-eslint/consistent-type-imports': 'off',
      // `catch (error)` values and JSON are `unknown`/`any` by nature; the checks below are about using
      // them unchecked, which the strict compiler already reports where it matters.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Nest lifecycle hooks and interface implementations are async without awaiting.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The dashboard takes only types from the contracts' index (its values would bundle zod); closed lists
    // come from '@slipway/contracts/enums', which imports nothing.
    files: ['apps/dashboard/**/*.ts', 'apps/dashboard/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: '@slipway/contracts', allowTypeImports: true, message: "values would bundle zod: import type, or take the value from '@slipway/contracts/enums'" }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
