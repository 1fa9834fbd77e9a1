/**
 * WAL checkpoints on a worker thread, off the event loop.
 *
 * Why: in WAL mode SQLite copies the log back into the database file once it passes 1,000 pages,
 * inside whichever commit crosses the mark, and with `synchronous=FULL` it fsyncs the database
 * file there too. better-sqlite3 is synchronous, so that commit stalls the whole server: the
 * enrollment bench saw 150-500 ms stalls (p99 way past its 100 ms goal) on this machine's disk.
 * Here the serving connection's auto-checkpoint is turned off and a second connection on its own
 * thread runs `PRAGMA wal_checkpoint(PASSIVE)` periodically, which never waits for (nor blocks)
 * the writer (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html). Durability is unchanged: every
 * commit still fsyncs the WAL before it returns. If the thread fails, the serving connection gets
 * its auto-checkpoint back, so the WAL cannot grow without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Runs in the worker (CommonJS, `eval`): one connection, one passive checkpoint per tick. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 0');
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // SQLITE_BUSY: another checkpoint is running; try again at the next tick.
    if (!err || err.code !== 'SQLITE_BUSY') throw err;
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

/** SQLite's default `wal_autocheckpoint` (pages), restored if the checkpointer fails. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

export function startWalCheckpointer(db: Database.Database, file: string, intervalMs: number, onError?: (err: unknown) => void): WalCheckpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, file, intervalMs } });
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  const fallBack = (err: unknown): void => {
    if (stopping) return;
    stopping = true;
    if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    onError?.(err);
  };
  worker.on('error', fallBack);
  worker.on('exit', (code) => fallBack(new Error(`the WAL checkpoint thread exited (${code})`)));
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
      if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    },
  };
}
