/**
 * Renders docs/errors.md from the error registry (common/src/errors/registry.ts), so that the list
 * of codes users read is the list the code has. `npm run docs:errors` writes the file;
 * test/common/errors/registry.test.ts fails when it is not current.
 */
import { ERROR_AREAS, type ErrorSpec } from '../common/src/errors/registry.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderErrorsDoc(): string {
  const out: string[] = [
    '# Error codes',
    '',
    '<!-- Generated from common/src/errors/registry.ts by `npm run docs:errors`; a test checks that it is current. Do not edit by hand. -->',
    '',
    'Every failure rapki reports carries one of these codes. The CLI prints `rapki: <code>: <message>` on',
    'stderr, then `hint: <what to do>` for the codes that have a hint, and exits with the status in the',
    'table (cli/src/report.ts). The CA\'s HTTP API answers `{"code": …, "message": …}` with the HTTP',
    'status in the table (docs/ca-api.md "Errors"); a code without one never reaches the wire (were it',
    'thrown there, the answer would be `500 internal_error`). The message in the table is the default;',
    'most failures say more (which file, which flag, what the server said).',
    '',
    '## Names',
    '',
    'Codes are `<noun>_<problem>`: what the failure is about, then what is wrong with it',
    '(`serial_invalid`, `token_expired`, `pkcs11_token_not_found`). Codes older than that rule keep their',
    'spelling (`invalid_request`, `unsupported_curve`, `throttled`, …): they are on the wire (HTTP bodies,',
    "CLI lines that scripts match, the signer's public `SignerError` codes), and renaming them would only",
    'break those scripts and clients. Where two spellings named the same failure, the `<noun>_<problem>`',
    'one won and the other became an older spelling (below). New codes follow the rule',
    '(test/common/errors/registry.test.ts).',
    '',
    '## Older spellings',
    '',
    'rapki emits only the current code. A client that compares codes and must also work with an older',
    "rapki accepts the older spelling too (rapki's own CLI does: `canonicalCode` in",
    'common/src/errors/registry.ts maps a code an older CA server answers to the current one).',
    '',
    '| older spelling | current code |',
    '| --- | --- |',
  ];
  for (const a of ERROR_AREAS) {
    for (const [code, spec] of Object.entries(a.codes) as [string, ErrorSpec][]) {
      for (const alias of spec.aliases ?? []) out.push(`| \`${alias}\` | \`${code}\` |`);
    }
  }
  for (const a of ERROR_AREAS) {
    out.push('', `## ${a.title}`, '', '| code | HTTP | exit | default message | hint |', '| --- | --- | --- | --- | --- |');
    for (const [code, spec] of Object.entries(a.codes) as [string, ErrorSpec][]) {
      out.push(`| \`${code}\` | ${spec.http ?? '—'} | ${spec.exit ?? 1} | ${cell(spec.message)} | ${spec.hint ? cell(spec.hint) : ''} |`);
    }
  }
  return `${out.join('\n')}\n`;
}
