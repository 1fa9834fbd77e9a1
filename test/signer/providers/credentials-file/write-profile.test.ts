import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { credentialsFilePath, writeProfileCredentials } from '../../../../signer/src/providers/credentials-file/write-profile.js';
import type { RolesAnywhereCredentials } from '../../../../signer/src/types.js';

const creds = (n: number): RolesAnywhereCredentials => ({
  accessKeyId: `ASIAWRITE${n}`,
  secretAccessKey: `secret/${n}`,
  sessionToken: `token+${n}=`,
  expiration: '2030-01-01T00:00:00Z',
});

describe('writeProfileCredentials', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-credfile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a missing directory 0700 and the file 0600, readable by the JS SDK', async () => {
    const path = join(dir, 'new', '.aws', 'credentials');
    await writeProfileCredentials({ path, profile: 'rapki', credentials: creds(1) });
    expect(statSync(join(dir, 'new', '.aws')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const got = await fromIni({ profile: 'rapki', filepath: path, configFilepath: join(dir, 'no-config') })();
    expect(got).toMatchObject({ accessKeyId: 'ASIAWRITE1', secretAccessKey: 'secret/1', sessionToken: 'token+1=' });
  });

  it('keeps other profiles and comments, tightens the mode to 0600, replaces atomically', async () => {
    const path = join(dir, 'credentials');
    const before = '# hand-written\n[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = workSecret\n';
    writeFileSync(path, before, { mode: 0o644 });
    const inode = statSync(path).ino;
    await writeProfileCredentials({ path, profile: 'default', credentials: creds(2) });
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(before)).toBe(true);
    expect(text).toContain('[default]\naws_access_key_id = ASIAWRITE2\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).ino).not.toBe(inode); // renamed into place, not rewritten in place
    expect(readdirSync(dir).sort()).toEqual(['credentials']); // no temp or lock file left
    const work = await fromIni({ profile: 'work', filepath: path, configFilepath: join(dir, 'no-config') })();
    expect(work.accessKeyId).toBe('AKIAWORK');
  });

  it('updates a symlinked file at its target and keeps the link', async () => {
    const real = join(dir, 'real-credentials');
    writeFileSync(real, '[x]\na = b\n', { mode: 0o600 });
    const link = join(dir, 'credentials');
    symlinkSync(real, link);
    await writeProfileCredentials({ path: link, profile: 'default', credentials: creds(3) });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('ASIAWRITE3');
  });

  it('serializes concurrent writers so no profile is lost', async () => {
    const path = join(dir, 'credentials');
    await Promise.all([1, 2, 3, 4, 5].map((n) => writeProfileCredentials({ path, profile: `p${n}`, credentials: creds(n) })));
    const text = readFileSync(path, 'utf8');
    for (const n of [1, 2, 3, 4, 5]) expect(text).toContain(`[p${n}]\naws_access_key_id = ASIAWRITE${n}\n`);
  });

  it('refuses profile names and values that would break the file', async () => {
    const path = join(dir, 'credentials');
    await expect(writeProfileCredentials({ path, profile: 'a]b', credentials: creds(1) })).rejects.toMatchObject({ code: 'invalid_profile_name' });
    await expect(writeProfileCredentials({ path, profile: '', credentials: creds(1) })).rejects.toMatchObject({ code: 'invalid_profile_name' });
    await expect(writeProfileCredentials({ path, profile: 'ok', credentials: { ...creds(1), sessionToken: 'a\n[evil]' } })).rejects.toMatchObject({
      code: 'invalid_credential_value',
    });
  });
});

describe('credentialsFilePath', () => {
  it('honours AWS_SHARED_CREDENTIALS_FILE, expanding ~/', () => {
    expect(credentialsFilePath({}, '/home/u')).toBe('/home/u/.aws/credentials');
    expect(credentialsFilePath({ AWS_SHARED_CREDENTIALS_FILE: '/etc/creds' }, '/home/u')).toBe('/etc/creds');
    expect(credentialsFilePath({ AWS_SHARED_CREDENTIALS_FILE: '~/x/creds' }, '/home/u')).toBe('/home/u/x/creds');
  });
});
