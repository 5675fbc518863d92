import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Size limits, so a function reads in one screen and a file in one sitting:
// - complexity 15: more branches than that need a table or a split into named steps;
// - max-lines-per-function 80 (code lines): a use case told as its steps fits well within it;
// - max-lines 400 (code lines): past that a module file mixes concerns (rules, SQL, presentation);
// - max-params 4: past four arguments a call needs names (a named options object);
// - max-depth 4: deeper nesting hides the steps.
const SIZE_RULES = {
  complexity: ['error', 15],
  'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
  'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
  'max-params': ['error', 4],
  'max-depth': ['error', 4],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/generated/', 'data/', 'coverage/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        Buffer: 'readonly',
        globalThis: 'readonly',
        WebAssembly: 'readonly',
        structuredClone: 'readonly',
        URLSearchParams: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['public/js/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly' },
    },
  },
  { files: ['src/**/*.ts'], rules: SIZE_RULES },
  // Formatting is Prettier's job; ESLint keeps to correctness and size.
  prettier,
);
