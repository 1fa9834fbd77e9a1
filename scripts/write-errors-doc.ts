/** `npm run docs:errors` (run from the repository root): writes docs/errors.md from the error registry (scripts/errors-doc.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderErrorsDoc } from './errors-doc.js';

writeFileSync(join(process.cwd(), 'docs', 'errors.md'), renderErrorsDoc());
