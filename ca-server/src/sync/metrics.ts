/**
 * Prometheus text (exposition format 0.0.4) for the CRL sync, appended to the CA's `/metrics`.
 * The alarm gauge and the per-target lag are what an operator alerts on: a revocation that has not
 * reached Roles Anywhere is a revocation that does not work yet.
 */
import type { CrlSync } from './crl-sync.js';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The `rapki_crl_sync_*` families. */
export function crlSyncMetrics(sync: CrlSync): string {
  const s = sync.state();
  const out: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labels} ${Number.isFinite(value) ? value : 0}`);
  };
  const lbl = (t: { id: string; trustAnchorArn: string; region: string }): string =>
    `{target="${esc(t.id)}",trust_anchor_arn="${esc(t.trustAnchorArn)}",region="${esc(t.region)}"}`;

  family('rapki_crl_sync_targets', 'gauge', 'Roles Anywhere trust anchors the CA pushes its CRL to.', [['', s.targets.length]]);
  family('rapki_crl_sync_crl_too_large', 'gauge', '1 when the current CRL is over the 300,000 bytes Roles Anywhere accepts and was not pushed.', [
    ['', s.alarm ? 1 : 0],
  ]);
  family('rapki_crl_sync_crl_size_bytes', 'gauge', 'PEM size of the last CRL given to the sync.', [['', s.alarm?.sizeBytes ?? s.crl?.sizeBytes ?? 0]]);
  family('rapki_crl_sync_pushes_total', 'counter', 'CRL pushes confirmed by read-back.', [['', s.counters.pushes]]);
  family('rapki_crl_sync_failures_total', 'counter', 'Failed CRL push attempts (each is retried).', [['', s.counters.failures]]);
  family('rapki_crl_sync_refused_total', 'counter', 'CRLs refused because they were too large.', [['', s.counters.refused]]);
  family('rapki_crl_sync_api_calls_total', 'counter', 'Roles Anywhere CRL API calls made (quota: 1 per second).', [['', s.counters.calls]]);
  family(
    'rapki_crl_sync_in_sync',
    'gauge',
    '1 when the target holds the current CRL.',
    s.targets.map((t) => [lbl(t), t.status === 'in_sync' ? 1 : 0]),
  );
  family(
    'rapki_crl_sync_lag_seconds',
    'gauge',
    'Seconds since the current CRL was made while the target does not hold it yet (0 when in sync).',
    s.targets.map((t) => [lbl(t), sync.lagSeconds(t.id)]),
  );
  family(
    'rapki_crl_sync_consecutive_failures',
    'gauge',
    'Failed push attempts in a row.',
    s.targets.map((t) => [lbl(t), t.consecutiveFailures]),
  );
  family(
    'rapki_crl_sync_pushed_crl_number',
    'gauge',
    'CRL number the target was last confirmed to hold.',
    s.targets.map((t) => [lbl(t), t.pushedNumber !== undefined ? Number(t.pushedNumber) : 0]),
  );
  family(
    'rapki_crl_sync_last_success_timestamp_seconds',
    'gauge',
    'Unix time of the last confirmed push.',
    s.targets.map((t) => [lbl(t), t.lastSuccessAt ? Date.parse(t.lastSuccessAt) / 1000 : 0]),
  );
  return `${out.join('\n')}\n`;
}
