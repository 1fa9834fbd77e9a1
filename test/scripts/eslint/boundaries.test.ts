/**
 * The `rapki/boundaries` lint rule (scripts/eslint/boundaries.mjs): it judges the resolved path of
 * every relative import, static, type-only, re-export or dynamic, from any depth.
 */
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, it } from 'vitest';
import { boundaries } from '../../../scripts/eslint/boundaries.mjs';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' } });
const zones = [
  { from: 'signer/', allow: ['signer/', 'common/'], message: 'signer: common only' },
  { from: 'cli/', allow: ['cli/', 'common/', 'signer/src/index', 'signer/src/entry/'], message: 'cli: entry points only' },
  { from: '/^(?!ca-server\\/src\\/store\\/)/', deny: ['/^ca-server\\/src\\/store\\/(?!ca-store\\.ts$)/'], message: 'store: interface only' },
];
const at = (file: string) => `${process.cwd()}/${file}`;

tester.run('rapki/boundaries', boundaries, {
  valid: [
    { filename: at('signer/src/keys/a.ts'), code: "import { x } from '../../../common/src/errors.js';", options: [zones] },
    { filename: at('signer/src/keys/a.ts'), code: "import { x } from '../b.js'; import y from 'node:fs';", options: [zones] },
    { filename: at('cli/src/commands/a.ts'), code: "export { fromRolesAnywhere } from '../../../signer/src/index.js';", options: [zones] },
    { filename: at('cli/src/handlers/a.ts'), code: "const { createSession } = await import('../../../signer/src/entry/session.js');", options: [zones] },
    { filename: at('ca-server/src/serve.ts'), code: "import type { CaStore } from './store/ca-store.js';", options: [zones] },
    { filename: at('ca-server/src/store/open-store.ts'), code: "import { SqliteStore } from './sqlite-store.js';", options: [zones] },
  ],
  invalid: [
    {
      filename: at('signer/src/keys/a.ts'),
      code: "import { openCa } from '../../../ca-server/src/open-ca.js';",
      options: [zones],
      errors: [{ message: 'ca-server/src/open-ca.ts: signer: common only' }],
    },
    {
      filename: at('signer/src/a.ts'),
      code: "import type { X } from '../../cli/src/x.js';\nexport * from '../../emulator/src/index.js';\nconst m = await import('../../ca-server/src/serve.js');",
      options: [zones],
      errors: [1, 2, 3].map((line) => ({ messageId: 'refused', line })),
    },
    {
      filename: at('cli/src/ca-client/handlers/a.ts'),
      code: "import { createSession } from '../../../../signer/src/session/create-session.js';",
      options: [zones],
      errors: [{ message: 'signer/src/session/create-session.ts: cli: entry points only' }],
    },
    {
      // An entry folder is allowed, a module beside it that starts with the same letters is not.
      filename: at('cli/src/handlers/a.ts'),
      code: "import { x } from '../../../signer/src/entry-points.js';\nimport { y } from '../../../signer/src/entry/../session/create-session.js';",
      options: [zones],
      errors: [{ message: 'signer/src/entry-points.ts: cli: entry points only' }, { message: 'signer/src/session/create-session.ts: cli: entry points only' }],
    },
    {
      filename: at('ca-server/src/backup/db-summary.ts'),
      code: "import { SqliteStore } from '../store/sqlite-store.js';",
      options: [zones],
      errors: [{ message: 'ca-server/src/store/sqlite-store.ts: store: interface only' }],
    },
  ],
});
