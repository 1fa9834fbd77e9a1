/** The agent's JSON-line log. */
import { describe, expect, it } from 'vitest';
import { jsonLineLog } from '../../../cli/src/ca-client/agent-log.js';

describe('jsonLineLog', () => {
  it('writes one JSON object per line with time, level, msg and the given fields', () => {
    const lines: string[] = [];
    const log = jsonLineLog(
      (l) => lines.push(l),
      () => new Date('2026-01-01T00:00:00Z'),
    );
    log('info', 'renewed', { serial: '0a', attempt: 2, skipped: undefined, ok: true, none: null });
    log('warn', 'multi\nline', { msg: 'cannot override', level: 'x' });
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({ time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'renewed', serial: '0a', attempt: 2, ok: true, none: null });
    expect(JSON.parse(lines[1]!)).toEqual({ time: '2026-01-01T00:00:00.000Z', level: 'warn', msg: 'multi\nline' });
  });
});
