import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.cache/', '.data/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['*.js', '.dependency-cruiser.cjs', 'test/helpers/*.js', 'cli/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  // The `settle` bin is a Node script that loads the compiled entry point with require, as CommonJS does.
  {
    files: ['cli/*.cjs'],
    languageOptions: { globals: { __dirname: 'readonly', console: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-console': 'off',
    },
  },
  {
    // Every Temporal client of Settle's carries its data converter (PAYLOAD_KEYS): made by settleClient only.
    files: [
      'activities/**/*.ts',
      'api/**/*.ts',
      'cli/**/*.ts',
      'http/**/*.ts',
      'config/**/*.ts',
      'oms/**/*.ts',
      'providers/**/*.ts',
      'scripts/**/*.ts',
      'worker/**/*.ts',
      'bench/**/*.ts',
    ],
    ignores: ['config/temporalConnection.ts', 'bench/baseline/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@temporalio/client',
              importNames: ['Client', 'WorkflowClient', 'ScheduleClient'],
              allowTypeImports: true,
              message:
                'Make clients with settleClient (config/temporalConnection.ts): it encrypts with PAYLOAD_KEYS.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code, the core's and each door's, must be deterministic: no clock, no randomness, no I/O.
    files: ['workflows/**/*.ts', 'oms/*/workflows/**/*.ts', 'test/integration/fourthDoor/workflows/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch'],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Use workflow time (Date inside workflows is replayed).',
        },
        { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow.' },
      ],
    },
  },
);
