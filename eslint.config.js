// Lint: recommended rules plus the two that catch "built but not thrown" and stray output.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'fixtures/firmware/build/**', 'allure-results/**', 'allure-report/**', '.hil/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      'no-new': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain JS shims (package bins) run on Node.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
  {
    // Programs whose job is to print: commands, benchmarks, entry points.
    files: ['**/*.bench.ts', 'harness/bench/**', 'harness/cli.ts', 'harness/cli/**', '**/main.ts', '**/bin/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The harness is the library: it reaches simulated boards only through board kinds
    // (harness/boards/board-kinds.ts, registered from outside via package.json hil.boardKinds).
    files: ['harness/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/fixtures/**'],
              message:
                'harness/ never imports fixtures/: a board kind registers itself (package.json hil.boardKinds); tests take the fixture firmware as a built file.',
            },
          ],
        },
      ],
    },
  },
  {
    // The simulator is standalone: only its adapter to the harness (the board kind, the process
    // launcher, the control client) and its tests and rigs may use harness/ contracts.
    files: ['fixtures/virtual-board/**/*.ts'],
    ignores: [
      'fixtures/virtual-board/board-kind.ts',
      'fixtures/virtual-board/process-launcher.ts',
      'fixtures/virtual-board/control-client.ts',
      'fixtures/virtual-board/testing/**',
      '**/*.test.ts',
      '**/*.bench.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/harness/**'],
              message:
                'the virtual board simulator does not depend on the harness; only its adapter (board-kind.ts, process-launcher.ts, control-client.ts) does.',
            },
          ],
        },
      ],
    },
  },
);
