import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatorOptionsFromFlags, parseIamCredentials, parseListen, parseRoles } from '../../emulator/src/cli-options.js';

const dir = mkdtempSync(join(tmpdir(), 'rapki-emu-opts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rapki emulator flags', () => {
  it('--listen HOST:PORT, including [IPv6]:PORT', () => {
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    for (const bad of ['127.0.0.1', ':80', '127.0.0.1:99999', 'host:port']) expect(() => parseListen(bad)).toThrow(/--listen/);
  });

  it('--role NAME:MAXSECONDS within 900..43200', () => {
    expect(parseRoles(['app:7200', 'ops:43200'])).toEqual({ app: 7200, ops: 43200 });
    for (const bad of ['app', 'app:899', 'app:43201', 'a/b:3600']) expect(() => parseRoles([bad])).toThrow(/--role/);
  });

  it('--iam-credentials from JSON, ini, or key id + environment secret', () => {
    const json = join(dir, 'c.json');
    writeFileSync(
      json,
      JSON.stringify([
        { accessKeyId: 'AKIA1', secretAccessKey: 's1' },
        { AccessKeyId: 'AKIA2', SecretAccessKey: 's2' },
      ]),
    );
    expect(parseIamCredentials(json, {})).toEqual([
      { accessKeyId: 'AKIA1', secretAccessKey: 's1' },
      { accessKeyId: 'AKIA2', secretAccessKey: 's2' },
    ]);
    const ini = join(dir, 'credentials');
    writeFileSync(ini, '[default]\naws_access_key_id = AKIAINI\naws_secret_access_key = sekrit\n');
    expect(parseIamCredentials(ini, {})).toEqual([{ accessKeyId: 'AKIAINI', secretAccessKey: 'sekrit' }]);
    expect(parseIamCredentials('AKIAEXAMPLEKEY0001', { RAPKI_EMULATOR_SECRET_ACCESS_KEY: 'env-secret' })).toEqual([
      { accessKeyId: 'AKIAEXAMPLEKEY0001', secretAccessKey: 'env-secret' },
    ]);
    expect(() => parseIamCredentials('AKIAEXAMPLEKEY0001', {})).toThrow(expect.objectContaining({ code: 'secret_missing' }));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"accessKeyId": "x"}');
    expect(() => parseIamCredentials(broken, {})).toThrow(/needs accessKeyId and secretAccessKey/);
  });

  it('validates account id, region and TLS pairs', () => {
    expect(emulatorOptionsFromFlags({ listen: '127.0.0.1:0', accountId: '111122223333', region: 'eu-west-1' }, {})).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      accountId: '111122223333',
      region: 'eu-west-1',
      roles: {},
    });
    expect(() => emulatorOptionsFromFlags({ listen: '127.0.0.1:0', accountId: '12' }, {})).toThrow(/--account-id/);
    expect(() => emulatorOptionsFromFlags({ listen: '127.0.0.1:0', region: 'Mars' }, {})).toThrow(/--region/);
    expect(() => emulatorOptionsFromFlags({ listen: '127.0.0.1:0', tlsCert: 'x' }, {})).toThrow(/go together/);
  });
});
