/**
 * Prometheus metrics of the CA server (text exposition format 0.0.4), without a dependency:
 * a handful of counters and gauges is all we need.
 */
import type { PublishedCrl } from '../authority/crl-manager.js';
import type { Clock } from '../../../common/src/clock-and-random.js';
import { CRL_PEM_MAX_BYTES, CRL_PEM_WARN_BYTES } from '../../../common/src/x509/crl.js';

type Labels = Readonly<Record<string, string>>;

class Counter {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(labels);
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.values.get(JSON.stringify(labels))?.value ?? 0;
  }
}

function fmtLabels(l: Labels): string {
  const keys = Object.keys(l);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

export class CaMetrics {
  readonly issued = new Counter('rapki_ca_certificates_issued_total', 'Certificates issued by enrollment.');
  readonly renewed = new Counter('rapki_ca_certificates_renewed_total', 'Certificates issued by renewal.');
  readonly revoked = new Counter('rapki_ca_certificates_revoked_total', 'Certificates revoked.');
  readonly errors = new Counter('rapki_ca_errors_total', 'Error responses by code.');
  readonly requests = new Counter('rapki_ca_http_requests_total', 'HTTP requests by method, route and status.');
  readonly crlPublished = new Counter('rapki_ca_crl_published_total', 'CRLs built and stored.');
  readonly connectionsRefused = new Counter(
    'rapki_ca_connections_refused_total',
    'Connections refused or closed by a connection cap or the TLS handshake deadline, by reason.',
  );
  readonly serverTlsRenewals = new Counter('rapki_ca_server_tls_renewals_total', 'Server TLS certificates issued while running, by result.');
  #crl: PublishedCrl | undefined;
  #connections: { open(): number; readonly limits: { readonly maxConnections: number; readonly maxConnectionsPerClient: number } } | undefined;
  #serverTlsNotAfter: Date | undefined;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  crlPublished_(crl: PublishedCrl): void {
    this.#crl = crl;
    this.crlPublished.inc();
  }

  /** Hooks for the authority and the CRL manager. */
  events() {
    return {
      issued: () => this.issued.inc(),
      renewed: () => this.renewed.inc(),
      revoked: (n: number) => this.revoked.inc({}, n),
      published: (crl: PublishedCrl) => this.crlPublished_(crl),
    };
  }

  setCrl(crl: PublishedCrl | undefined): void {
    this.#crl = crl;
  }

  /** The open-connection gauge and the caps (`connection-guard.ts`). */
  setConnections(source: { open(): number; readonly limits: { readonly maxConnections: number; readonly maxConnectionsPerClient: number } }): void {
    this.#connections = source;
  }

  /** notAfter of the TLS certificate the server presents now (`server-tls-renewal.ts`). */
  setServerTlsNotAfter(notAfter: Date): void {
    this.#serverTlsNotAfter = notAfter;
  }

  render(): string {
    const out: string[] = [];
    const counter = (c: Counter): void => {
      out.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`);
      if (c.values.size === 0) out.push(`${c.name} 0`);
      for (const { labels, value } of c.values.values()) out.push(`${c.name}${fmtLabels(labels)} ${value}`);
    };
    const gauge = (name: string, help: string, rows: [Labels, number][]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const [l, v] of rows) out.push(`${name}${fmtLabels(l)} ${v}`);
    };
    counter(this.issued);
    counter(this.renewed);
    counter(this.revoked);
    counter(this.crlPublished);
    counter(this.errors);
    counter(this.requests);
    counter(this.connectionsRefused);
    counter(this.serverTlsRenewals);
    const conn = this.#connections;
    if (conn) {
      gauge('rapki_ca_connections_open', 'Open client connections.', [[{}, conn.open()]]);
      gauge('rapki_ca_connections_limit', 'Connection caps: overall and per client address.', [
        [{ scope: 'total' }, conn.limits.maxConnections],
        [{ scope: 'per_client' }, conn.limits.maxConnectionsPerClient],
      ]);
    }
    const tlsNotAfter = this.#serverTlsNotAfter;
    if (tlsNotAfter) {
      gauge('rapki_ca_server_tls_not_after_seconds', 'notAfter of the server TLS certificate, Unix time.', [[{}, Math.floor(tlsNotAfter.getTime() / 1000)]]);
      gauge('rapki_ca_server_tls_expires_in_seconds', 'Seconds until the server TLS certificate expires (negative: expired).', [
        [{}, Math.floor((tlsNotAfter.getTime() - this.#clock().getTime()) / 1000)],
      ]);
    }
    const crl = this.#crl;
    if (crl) {
      const pemBytes = Buffer.byteLength(crl.pem);
      gauge('rapki_ca_crl_size_bytes', 'Size of the current CRL.', [
        [{ format: 'der' }, crl.der.length],
        [{ format: 'pem' }, pemBytes],
      ]);
      gauge('rapki_ca_crl_limit_bytes', 'Largest PEM CRL Roles Anywhere accepts.', [[{}, CRL_PEM_MAX_BYTES]]);
      gauge('rapki_ca_crl_size_near_limit', '1 when the PEM CRL is within 10% of the Roles Anywhere limit.', [[{}, pemBytes >= CRL_PEM_WARN_BYTES ? 1 : 0]]);
      gauge('rapki_ca_crl_age_seconds', 'Seconds since the current CRL was built.', [
        [{}, Math.max(0, (this.#clock().getTime() - crl.thisUpdate.getTime()) / 1000)],
      ]);
      gauge('rapki_ca_crl_next_update_seconds', 'Seconds until the current CRL expires.', [[{}, (crl.nextUpdate.getTime() - this.#clock().getTime()) / 1000]]);
      gauge('rapki_ca_crl_number', 'CRL number of the current CRL.', [[{}, crl.number]]);
      if (crl.entryCount >= 0) gauge('rapki_ca_crl_entries', 'Revoked entries in the current CRL.', [[{}, crl.entryCount]]);
    }
    return `${out.join('\n')}\n`;
  }
}
