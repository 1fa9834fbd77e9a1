// `npm run lint`: typescript-eslint's recommended rules and the boundaries between the packages
// (scripts/eslint/boundaries.mjs). Formatting is prettier's business (.prettierrc.json), not this.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import rapki from './scripts/eslint/boundaries.mjs';

/**
 * Modules of ca-server/src/store/ that code outside it may import: the store's interface and its
 * factory, and four modules that are part of the store's public face although they are not the
 * `CaStore` interface:
 * - `snapshot`: the format of `CaStore.exportSnapshot` / `importSnapshot` (tables, columns, chunk
 *   size), which `ca backup` writes to files and `ca restore` reads back;
 * - `sqlite-file-check`: checks a standalone SQLite file of a store (an older backup's `ca.db`)
 *   without opening it as a store; the store is the one place that opens SQLite files;
 * - `serve-lock`: the one-serving-process-per-directory lock `ca serve` holds for its whole life,
 *   taken through SQLite on a file of its own;
 * - `migrate-to-pg`: the one way to copy a store into an empty PostgreSQL database, table by table
 *   with its checks (`rapki ca migrate-store` reaches it through ca-server/src/entry/migrate-store.ts).
 */
const STORE_PUBLIC = ['ca-store', 'types', 'open-store', 'store-selection', 'store-url', 'snapshot', 'sqlite-file-check', 'serve-lock', 'migrate-to-pg'];

export default tseslint.config(
  { ignores: ['dist/**', 'dist.*/**', 'node_modules/**', 'coverage/**', 'bench/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { rapki },
    rules: {
      // tsc (noUnusedLocals, noUnusedParameters) reports these already, with the project's rules.
      '@typescript-eslint/no-unused-vars': 'off',
      // An interface that extends one other names a concept of its own (e.g. CreatedTpmKey).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-useless-assignment': 'error',
      // An error thrown from a catch names the one it replaces ({ cause }).
      'preserve-caught-error': 'error',
      // Parsers refuse control characters on purpose; where a regular expression names them, a
      // disable comment on the line before says why.
      'no-control-regex': 'error',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The packages and what each may import from the others.
  {
    files: ['signer/src/**', 'emulator/src/**', 'common/src/**', 'ca-server/src/**'],
    rules: {
      'rapki/boundaries': [
        'error',
        [
          {
            from: 'signer/',
            allow: ['signer/', 'common/'],
            message: 'the signer imports only common/ (it ships alone as rapki/signer, and runs on every credential-process call)',
          },
          {
            from: 'emulator/',
            allow: ['emulator/', 'common/src/errors', 'common/src/fs/'],
            message:
              'the emulator imports nothing of the signer, the CA or the CLI, and of common/ only errors and file writing: it keeps its own parsers so that it cannot share a bug with the code it checks',
          },
          { from: 'common/', allow: ['common/'], message: 'common/ is the bottom layer: it imports no package' },
          {
            from: 'ca-server/src/store/',
            deny: ['ca-server/src/authority/'],
            message:
              'the store sits below the authority: what both need (the audit hash chain, the clock) lives in common/ (common/src/audit/, common/src/clock-and-random.ts)',
          },
        ],
      ],
      // Nothing outside the store reaches into its implementations (the backends, rows, migrations).
      'rapki/store-boundaries': [
        'error',
        [
          {
            from: '/^(?!ca-server\\/src\\/store\\/)/',
            deny: [`/^ca-server\\/src\\/store\\/(?!(?:${STORE_PUBLIC.join('|')})\\.ts$)/`],
            message: `outside ca-server/src/store/, only the store's interface and factory (${STORE_PUBLIC.join(', ')}) are imported`,
          },
        ],
      ],
    },
  },
  {
    // The CLI reaches the other packages through their entry points only: the published ones
    // (signer/src/index.ts, emulator/src/index.ts, ca-server/src/index.ts) and the CLI's entry
    // modules (`<package>/src/entry/<purpose>.ts`), each re-exporting what one command needs so
    // that a lazy import() of it loads that command's code and no more (start-up time).
    files: ['cli/src/**'],
    rules: {
      'rapki/boundaries': [
        'error',
        [
          {
            from: 'cli/',
            allow: [
              'cli/',
              'common/',
              'signer/src/index',
              'signer/src/entry/',
              'ca-server/src/index',
              'ca-server/src/entry/',
              'emulator/src/index',
              'emulator/src/entry/',
            ],
            message: 'the CLI imports the other packages only through their entry points (<package>/src/index.ts, <package>/src/entry/*.ts) and common/',
          },
        ],
      ],
    },
  },
);
