/**
 * The one I/O of a CLI command: environment, stdout, stderr, files read by path, warnings.
 * Injected so that tests run handlers in-process; every handler takes this type or a narrower
 * view of it ({@link CommandIo}, {@link SignerCommandIo}).
 *
 * Light on purpose: on the credential-process start-up path.
 */
import { readFileSync } from 'node:fs';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  /** Writes to stdout; a command whose output must be complete before it exits awaits it. */
  stdout(data: string | Uint8Array): void | Promise<void>;
  /** Writes text to stderr as given (lines end in `\n`). */
  stderr(text: string): void;
  /** True when stdout is a terminal (binary output is refused there). */
  readonly stdoutIsTty: boolean;
  /** Reads a small text file (password files, CA bundles). */
  readFileText(path: string): string;
  /** One warning line (no trailing newline) to stderr. */
  warn(line: string): void;
}

/** What the CA, AWS and server commands use. */
export type CommandIo = Pick<CliIo, 'env' | 'stdout' | 'stderr' | 'stdoutIsTty'>;

/** What the signer commands use. */
export type SignerCommandIo = Pick<CliIo, 'env' | 'stdout' | 'stderr' | 'readFileText' | 'warn'>;

/**
 * The real process. stdout resolves once the data is handed to the OS; `stdout` may be replaced
 * (the credential-process fast path writes with one writeSync). Build a variant through this
 * function, not with an object spread, which would read the `stdoutIsTty` getter at once.
 */
export function processIo(overrides: Pick<Partial<CliIo>, 'stdout'> = {}): CliIo {
  return {
    env: process.env,
    stdout:
      overrides.stdout ??
      ((data) =>
        new Promise<void>((resolve, reject) => {
          process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
        })),
    stderr: (text) => {
      process.stderr.write(text);
    },
    // A getter: touching process.stdout creates the stream (and loads node:net for a pipe), which
    // the credential cache's hit path must not pay for.
    get stdoutIsTty() {
      return process.stdout.isTTY === true;
    },
    readFileText: (path) => readFileSync(path, 'utf8'),
    warn: (line) => {
      process.stderr.write(`${line}\n`);
    },
  };
}
