/**
 * Structured log of `rapki agent`: one JSON object per line on stderr (journald keeps each line as
 * one entry; `jq` reads them). Fields are chosen by the caller from a fixed vocabulary — serials,
 * paths, times, error codes and their safe messages — never key material, tokens or credentials.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export type AgentLog = (level: LogLevel, msg: string, fields?: LogFields) => void;

/** A logger writing `{"time","level","msg",...fields}` lines through `write`. */
export function jsonLineLog(write: (line: string) => void, now: () => Date = () => new Date()): AgentLog {
  return (level, msg, fields = {}) => {
    const entry: Record<string, unknown> = { time: now().toISOString(), level, msg };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && !(k in entry)) entry[k] = v;
    write(`${JSON.stringify(entry)}\n`);
  };
}
