/**
 * Sections of README.md by their `## ` heading, so that tests can run and check what the README
 * tells a newcomer (tutorial, on each host, operations, comparison) exactly as written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export const README = join(REPO_ROOT, 'README.md');

/** The text of the README section whose `## ` heading starts with `heading`, up to the next `## `. */
export function readmeSection(heading: string): string {
  const text = readFileSync(README, 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## ${heading}`));
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  return [lines[start], ...(end < 0 ? rest : rest.slice(0, end))].join('\n');
}
