#!/usr/bin/env node
// Kept for `node bin/rapki.mjs ...` (scripts, tests, docs): the same command as bin/rapki.cjs, which
// is what the installed `rapki` runs (faster start-up: see there).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./rapki.cjs');
