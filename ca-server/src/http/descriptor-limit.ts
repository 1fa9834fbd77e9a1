/**
 * The process's soft limit on open files (`ulimit -n`), which bounds how many connections the CA
 * server may hold and still open its database, logs and outbound connections. Linux exposes it in
 * /proc/self/limits; elsewhere (or unreadable) the answer is undefined and a default applies.
 */
import { readFileSync } from 'node:fs';

export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(read());
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return undefined;
  }
}
