/**
 * The CA server's logger: pino, JSON lines to stderr (stdout carries only the "listening" line),
 * with redaction of credentials (fastify Logging.md recommends `req.headers.authorization`).
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'adminToken',
  'passphrase',
  'key',
  'privateKey',
  '*.token',
  '*.adminToken',
  '*.passphrase',
  '*.privateKey',
  'body.token',
  'body.csr',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.RAPKI_LOG_LEVEL ?? 'info',
      base: { svc: 'rapki-ca' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
