// ESLint: the recommended sets, plus the type-aware rules that catch the bugs an extension host hides
// (a dropped promise, an async callback where void is expected, a switch missing a case).
// Formatting is Prettier's business: eslint-config-prettier comes last and turns every style rule off.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node globals for the plain .mjs scripts (no `globals` package needed for this handful).
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'clearInterval',
    'clearTimeout',
    'console',
    'performance',
    'process',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  {
    ignores: ['dist/', 'out/', 'node_modules/', '.cache/', 'test-results/', 'test/lab/.state/', 'media/', '**/*.d.ts'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // Type-aware rules: TypeScript files only; each file uses its nearest tsconfig.json (the root one, or webview-ui's).
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        // A `default:` still counts as handling the rest; switches over a non-union (string, number) need none.
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    rules: {
      // `const { secret: _s, ...rest } = x` is how a field is left out; tsc accepts it too.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // The core, the shared protocol, the webview and the CLI run where `vscode` does not exist.
    files: ['src/core/**', 'src/shared/**', 'src/cli/**', 'src/cli.ts', 'webview-ui/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'Only src/vscode and src/extension.ts may import vscode: this code also runs outside VS Code.' },
          ],
        },
      ],
    },
  },
  prettier,
);
