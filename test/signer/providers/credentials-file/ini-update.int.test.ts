import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { upsertProfile } from '../../../../signer/src/providers/credentials-file/ini-update.js';

const V = { aws_access_key_id: 'ASIANEW', aws_secret_access_key: 'newSecret/+=', aws_session_token: 'newToken==' };
const OURS = 'aws_access_key_id = ASIANEW\naws_secret_access_key = newSecret/+=\naws_session_token = newToken==';

/** Parses with Python's configparser in strict mode, as botocore does (an independent reader). */
function pythonParse(text: string): Record<string, Record<string, string>> {
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import configparser,json,sys\ncp=configparser.RawConfigParser()\ncp.read_string(sys.stdin.read())\n' +
        'print(json.dumps({s: dict(cp.items(s)) for s in cp.sections()}))',
    ],
    { input: text },
  );
  return JSON.parse(out.toString()) as Record<string, Record<string, string>>;
}

describe('upsertProfile', () => {
  it('creates the section in an empty file', () => {
    expect(upsertProfile('', 'default', V)).toBe(`[default]\n${OURS}\n`);
  });

  it('appends a new section after others, keeping them and their comments byte for byte', () => {
    const before = '# my file\n[work]\naws_access_key_id = AKIAWORK\n; note\naws_secret_access_key = w\n';
    const after = upsertProfile(before, 'default', V);
    expect(after.startsWith(before)).toBe(true);
    expect(after).toBe(`${before}\n[default]\n${OURS}\n`);
    expect(pythonParse(after).work).toEqual({ aws_access_key_id: 'AKIAWORK', aws_secret_access_key: 'w' });
  });

  it('replaces keys in place when the target is the last section without a final newline', () => {
    const before = '[work]\nx = 1\n\n[default]\nregion = eu-west-1\naws_access_key_id = OLD\naws_secret_access_key = OLD\naws_session_token = OLD';
    const after = upsertProfile(before, 'default', V);
    expect(after).toBe(`[work]\nx = 1\n\n[default]\nregion = eu-west-1\n${OURS}\n`);
    expect(pythonParse(after).default).toEqual({ region: 'eu-west-1', ...V });
  });

  it('does not take a commented-out header for the section', () => {
    const before = '# [default]\n# aws_access_key_id = keep-this-comment\n[other]\na = b\n';
    const after = upsertProfile(before, 'default', V);
    expect(after).toBe(`${before}\n[default]\n${OURS}\n`);
  });

  it('inserts before comments that introduce the next section, keeps other keys and comments of the target', () => {
    const before = '[default]\n; managed by rapki\nregion = us-east-1\naws_session_token = OLD\n\n# the work account\n[work]\na = b\n';
    const after = upsertProfile(before, 'default', V);
    expect(after).toBe(`[default]\n; managed by rapki\nregion = us-east-1\n${OURS}\n\n# the work account\n[work]\na = b\n`);
  });

  it('matches headers with spaces or a trailing comment and keys in any case or with ":"', () => {
    const before = '[ default ] ; creds\nAWS_ACCESS_KEY_ID: OLD\n  continued-old-value\naws_secret_access_key=OLD\n';
    const after = upsertProfile(before, 'default', V);
    expect(after).toBe(`[ default ] ; creds\n${OURS}\n`);
  });

  it('merges duplicate sections of the target into the first, so strict parsers accept the file', () => {
    const before = '[default]\naws_access_key_id = OLD1\n\n[work]\na = b\n\n[default]\naws_session_token = OLD2\nregion = eu-west-1\n\n[last]\nc = d\n';
    const after = upsertProfile(before, 'default', V);
    expect(after).toBe(`[default]\nregion = eu-west-1\n${OURS}\n\n[work]\na = b\n\n\n[last]\nc = d\n`);
    const parsed = pythonParse(after);
    expect(parsed.default).toEqual({ region: 'eu-west-1', ...V });
    expect(parsed.work).toEqual({ a: 'b' });
    expect(parsed.last).toEqual({ c: 'd' });
  });

  it('keeps CRLF line endings', () => {
    const after = upsertProfile('[a]\r\nx = 1\r\n', 'default', V);
    expect(after).toBe(`[a]\r\nx = 1\r\n\r\n[default]\r\n${OURS.replace(/\n/g, '\r\n')}\r\n`);
  });

  it('is idempotent', () => {
    const once = upsertProfile('[a]\nx = 1\n', 'default', V);
    expect(upsertProfile(once, 'default', V)).toBe(once);
  });

  it('does not touch a section whose name only contains the profile name', () => {
    const before = '[profile default]\nregion = x\n[default-old]\ny = 2\n';
    const after = upsertProfile(before, 'default', V);
    expect(after.startsWith(before)).toBe(true);
  });
});
