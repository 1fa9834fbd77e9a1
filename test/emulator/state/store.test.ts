import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStateStore, writeFileAtomic } from '../../../emulator/src/state/store.js';
import { createClock } from '../../../emulator/src/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'rapki-emu-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('state store', () => {
  it('starts empty when the file does not exist, persists with mode 0600 and reloads', () => {
    const file = join(dir, 'a.json');
    const s1 = openStateStore(file);
    expect(s1.state.trustAnchors).toEqual([]);
    s1.state.tags['arn:x'] = [{ key: 'k', value: 'v' }];
    s1.save();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(openStateStore(file).state.tags).toEqual({ 'arn:x': [{ key: 'k', value: 'v' }] });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a corrupt or foreign-version file instead of starting empty over it', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"version": 1, "trustAnchors": [');
    expect(() => openStateStore(bad)).toThrow(expect.objectContaining({ code: 'emulator_state_invalid' }));
    writeFileSync(bad, '{"version": 2}');
    expect(() => openStateStore(bad)).toThrow(expect.objectContaining({ code: 'emulator_state_invalid' }));
    expect(readFileSync(bad, 'utf8')).toBe('{"version": 2}');
  });

  it('memory mode never touches the disk', () => {
    const s = openStateStore(undefined);
    s.save();
    expect(s.state.version).toBe(1);
  });

  it('writeFileAtomic replaces the whole file', () => {
    const f = join(dir, 'atomic.txt');
    writeFileAtomic(f, 'first version, longer');
    writeFileAtomic(f, 'second');
    expect(readFileSync(f, 'utf8')).toBe('second');
  });
});

describe('clock', () => {
  it('set() pins the time and advance() moves it', () => {
    let real = 1_000_000;
    const c = createClock(undefined, () => real);
    expect(c.now().getTime()).toBe(1_000_000);
    c.set('2030-01-01T00:00:00Z');
    real += 500;
    expect(c.now().toISOString()).toBe('2030-01-01T00:00:00.500Z');
    c.advance(-1500);
    expect(c.now().toISOString()).toBe('2029-12-31T23:59:59.000Z');
    expect(() => c.set('not a date')).toThrow(TypeError);
  });
});
