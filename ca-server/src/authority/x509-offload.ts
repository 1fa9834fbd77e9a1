/**
 * An {@link X509Port} that runs CSR parsing (with the proof-of-possession check) and the leaf lint
 * on one worker thread, and everything else (serials, signing, CRLs, PEM) on the calling thread.
 *
 * Why: the enrollment hot loop is CPU-bound and node runs JavaScript on one core. The main
 * thread keeps TLS, HTTP and SQLite (the audit hash chain needs one writer, and the group commit
 * needs one queue); these two key-free steps, about half of the issuance CPU, move to the second
 * core. The CA private key stays on the main thread.
 *
 * Errors thrown in the worker come back as `RapkiError`s with the same `code` and message, so the
 * issuance rules map them exactly as when run inline. If the thread dies, the calls it had not
 * answered and all later ones run inline (`onError` is told once).
 */
import { Worker } from 'node:worker_threads';
import { errorFromWire } from '../../../common/src/errors/registry.js';
import type { ParsedCsr, SubjectAltName } from '../x509/types.js';
import type { X509WorkerReply, X509WorkerRequest } from './x509-worker-protocol.js';
import type { X509Port } from './x509-port.js';

/** Distributes over the operations of {@link X509WorkerRequest} without its `id`. */
type Request = X509WorkerRequest extends infer R ? (R extends X509WorkerRequest ? Omit<R, 'id'> : never) : never;

type Pending = { req: Request; resolve: (v: ParsedCsr | undefined) => void; reject: (e: unknown) => void };

export interface OffloadedX509 {
  readonly port: X509Port;
  /** Stops the worker thread (pending calls fail). */
  close(): Promise<void>;
}

export function offloadX509(base: X509Port, workerUrl: URL, onError?: (err: unknown) => void): OffloadedX509 {
  const worker = new Worker(workerUrl);
  worker.unref();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let dead = false;

  /** The same operation on the calling thread. */
  async function inline(req: Request): Promise<ParsedCsr | undefined> {
    if (req.op === 'parseCsr') return base.parseCsr(req.pem);
    await base.lintLeaf(req.der, req.issuerDer, req.sans);
    return undefined;
  }

  /** The thread died: what it had not answered runs inline, so no request fails because of it. */
  function fail(err: unknown): void {
    if (dead) return;
    dead = true;
    onError?.(err);
    for (const p of pending.values()) inline(p.req).then(p.resolve, p.reject);
    pending.clear();
  }
  worker.on('message', (m: X509WorkerReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.ok) p.resolve(m.value);
    else p.reject(m.code === undefined ? new Error(m.message) : errorFromWire(m.code, m.message));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the X.509 worker thread exited (${code})`)));

  function call(req: Request): Promise<ParsedCsr | undefined> {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { req, resolve, reject });
      // Ref'd only while a reply is awaited: an idle worker never keeps the process alive.
      if (pending.size === 1) worker.ref();
      worker.postMessage({ ...req, id } as X509WorkerRequest);
    });
  }

  const port: X509Port = {
    ...base,
    async parseCsr(pem: string): Promise<ParsedCsr> {
      if (dead) return base.parseCsr(pem);
      const csr = (await call({ op: 'parseCsr', pem })) as ParsedCsr;
      return Object.freeze({ ...csr, sans: Object.freeze(csr.sans) });
    },
    async lintLeaf(der: Uint8Array, issuerDer: Uint8Array, sans: readonly SubjectAltName[]): Promise<void> {
      if (dead) return base.lintLeaf(der, issuerDer, sans);
      await call({ op: 'lintLeaf', der, issuerDer, sans });
    },
  };

  return {
    port,
    async close() {
      dead = true;
      for (const p of pending.values()) p.reject(new Error('the X.509 worker thread was stopped'));
      pending.clear();
      await worker.terminate();
    },
  };
}
