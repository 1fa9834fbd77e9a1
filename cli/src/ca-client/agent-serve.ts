/**
 * `rapki agent --serve`: the IMDSv2-compatible credential endpoint of `rapki serve`
 * (`signer/src/providers/imds/server.ts`) inside the agent process, so one unit both renews the
 * certificate and hands out credentials made with it. The credential source loads certificate and
 * key from disk at every refresh, and refreshes as soon as those files change, so a renewal is used
 * at once (a read that falls between the renewal's two renames is retried by the key loader).
 *
 * Loaded only when `--serve` is given: it pulls in the signer's session code.
 */
import { readFileSync } from 'node:fs';
import { failureOf } from '../report.js';
import { resolveCredentialProcess } from '../signer-options.js';
import type { FlagValues } from '../credential-flags.js';
import { startServing } from '../serve-credentials.js';
import { DEFAULT_PORT } from '../../../signer/src/entry/imds.js';
import type { AgentLog } from './agent-log.js';

export interface AgentServeOptions {
  /** The signer flags (`--certificate`, `--trust-anchor-arn`, …) as parsed. */
  readonly values: FlagValues;
  readonly env: NodeJS.ProcessEnv;
  readonly address: string;
  readonly port: number | undefined;
  readonly log: AgentLog;
}

export interface AgentServing {
  /** `AWS_EC2_METADATA_SERVICE_ENDPOINT` value. */
  readonly url: string;
  close(): Promise<void>;
}

/** Code and message of an error as the CLI reports it, without its cause chain (causes may name secrets' paths or content). */
function safeMessage(err: unknown): { code: string; error: string } {
  const f = failureOf(err);
  return { code: f.code, error: f.message };
}

/**
 * Listens, then makes the first CreateSession attempt; a failure is retried with backoff while the
 * endpoint answers 500 (as `rapki serve` does: the network may not be up yet at boot).
 */
export async function startAgentServing(o: AgentServeOptions): Promise<AgentServing> {
  const config = resolveCredentialProcess(o.values, {
    env: o.env,
    readFileText: (p) => readFileSync(p, 'utf8'),
    warn: (line) => o.log('warn', line.replace(/^rapki: /, '')),
  });
  const serving = await startServing({
    config,
    env: o.env,
    userAgentMode: 'agent',
    listen: { address: o.address, port: o.port ?? DEFAULT_PORT, log: (line) => o.log('info', line) },
    onRefreshed: (c) => o.log('info', 'credentials obtained', { expiration: c.expiration }),
    onRefreshError: (err, hasLastGood) => o.log('warn', 'credential refresh failed', { ...safeMessage(err), serving_previous: hasLastGood }),
  });
  return { url: serving.server.url, close: serving.close };
}
