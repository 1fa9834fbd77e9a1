/**
 * Connection exhaustion (docs/security.md C33): a real `rapki ca serve` process.
 *
 * 1. Under `ulimit -n 256` (as the attack was first seen): 300 idle TCP sockets that never start
 *    TLS from one address, slow-header TLS connections from another, and a spread of idle sockets
 *    from four more; `/healthz` from a further address still answers, and the caps are counted in
 *    `/metrics` and logged.
 * 2. With the default settings, each slow client is cut off on time: a socket that never starts
 *    TLS and one that dribbles a ClientHello after 10 s (node's own handshake timer is idle-based
 *    and 120 s), slow headers after 15 s, a slow body after 30 s.
 *
 * Every simulated client binds its own loopback source address (all of 127/8 is loopback on
 * Linux), because the caps count per client address.
 */
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { caRequest } from './helpers/https.js';

const sockets: Socket[] = [];

/** Opens a TCP connection from `localAddress`; resolves once connected (or closed at once). */
function rawSocket(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port, localAddress });
    sockets.push(s);
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/** A TLS connection from `localAddress` that sends the start of a request and then nothing. */
function slowHeaders(port: number, localAddress: string, ca: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, localAddress, ca, servername: 'localhost' } as ConnectionOptions, () => {
      s.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
      resolve(s);
    });
    sockets.push(s);
    s.on('error', () => {});
    s.once('close', () => resolve(s));
  });
}

/** Milliseconds until the server closes `s` (measured from `t0`). */
function closedAfter(s: Socket, t0: number): Promise<number> {
  return new Promise((resolve) => {
    if (s.destroyed) resolve(performance.now() - t0);
    s.once('close', () => resolve(performance.now() - t0));
  });
}

const metric = (text: string, name: string, labels = ''): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

describe('C33: a flood of idle sockets does not take the CA server down', () => {
  let ca: CaServerProcess;
  let root: string;

  beforeAll(async () => {
    ca = await startCaServerProcess({ fdLimit: 256 });
    root = readFileSync(ca.rootPem, 'utf8');
  }, 60_000);
  afterAll(async () => {
    await ca?.dispose();
  });

  it('300 idle sockets from one address, slow headers from another, idle sockets from four more: /healthz still answers; caps counted', async () => {
    const idle = await Promise.all(Array.from({ length: 300 }, () => rawSocket(ca.port, '127.0.0.2')));
    const slow = await Promise.all(Array.from({ length: 40 }, () => slowHeaders(ca.port, '127.0.0.3', root)));
    const spread = await Promise.all(Array.from({ length: 4 * 40 }, (_, i) => rawSocket(ca.port, `127.0.0.${4 + (i % 4)}`)));
    expect(idle.length + slow.length + spread.length).toBe(500);

    const t0 = performance.now();
    const health = await caRequest(ca.url, '/healthz', { ca: root });
    expect(health.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(5_000);

    const metrics = (await caRequest(ca.url, '/metrics', { ca: root })).body;
    const limit = metric(metrics, 'rapki_ca_connections_limit', '{scope="total"}');
    const perClient = metric(metrics, 'rapki_ca_connections_limit', '{scope="per_client"}');
    // Defaults follow the descriptor limit: 256 - 128 reserved, a quarter of that per client.
    expect([limit, perClient]).toEqual([128, 32]);
    expect(metric(metrics, 'rapki_ca_connections_open')).toBeLessThanOrEqual(limit);
    // 300 - 32 idle sockets and 40 - 32 slow ones over the per-client cap; the spread hit the total cap.
    expect(metric(metrics, 'rapki_ca_connections_refused_total', '{reason="refused_client_cap"}')).toBeGreaterThanOrEqual(300 - 32 + 40 - 32);
    expect(
      metric(metrics, 'rapki_ca_connections_refused_total', '{reason="evicted"}') +
        metric(metrics, 'rapki_ca_connections_refused_total', '{reason="refused_total_cap"}'),
    ).toBeGreaterThan(0);
    // One log line per kind, not one per refused socket.
    const lines = ca
      .stderr()
      .split('\n')
      .filter((l) => l.includes('connection refused: this client holds the most'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(5);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, event: 'refused_client_cap', maxConnectionsPerClient: 32 });
  }, 60_000);
});

describe('C33: slow clients are cut off on time (defaults)', () => {
  let ca: CaServerProcess;
  let root: string;

  beforeAll(async () => {
    ca = await startCaServerProcess();
    root = readFileSync(ca.rootPem, 'utf8');
  }, 60_000);
  afterAll(async () => {
    await ca?.dispose();
  });

  it('no TLS: 10 s; ClientHello dribbled byte by byte: 10 s; slow headers: 15 s; slow body: 30 s', async () => {
    const t0 = performance.now();
    // Never starts TLS.
    const raw = await rawSocket(ca.port, '127.0.0.11');
    // Starts a TLS record of 512 bytes and sends one byte a second (each byte would reset an idle timer).
    const dribble = await rawSocket(ca.port, '127.0.0.12');
    dribble.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
    const drip = setInterval(() => dribble.writable && dribble.write(Buffer.from([0x01])), 1_000);
    // Headers that never end, one line every two seconds.
    const headers = await slowHeaders(ca.port, '127.0.0.13', root);
    const headerDrip = setInterval(() => headers.writable && headers.write('X-Slow: 1\r\n'), 2_000);
    // A body of 1000 bytes sent one byte every two seconds.
    const body = await new Promise<Socket>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: ca.port, localAddress: '127.0.0.14', ca: root, servername: 'localhost' } as ConnectionOptions, () => {
        s.write('POST /v1/enroll HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
        resolve(s);
      });
      sockets.push(s);
      s.on('error', () => {});
    });
    const bodyDrip = setInterval(() => body.writable && body.write(' '), 2_000);
    try {
      const [tRaw, tDribble, tHeaders, tBody] = await Promise.all([
        closedAfter(raw, t0),
        closedAfter(dribble, t0),
        closedAfter(headers, t0),
        closedAfter(body, t0),
      ]);
      const s = (ms: number): number => Math.round(ms / 100) / 10;
      // Lower bounds: the server really waited; upper bounds: generous for a loaded 2-core machine.
      expect(
        {
          raw: s(tRaw) >= 9.5 && s(tRaw) <= 15,
          dribble: s(tDribble) >= 9.5 && s(tDribble) <= 15,
          headers: s(tHeaders) >= 14.5 && s(tHeaders) <= 21,
          body: s(tBody) >= 29.5 && s(tBody) <= 37,
        },
        `closed after raw ${s(tRaw)} s, dribble ${s(tDribble)} s, headers ${s(tHeaders)} s, body ${s(tBody)} s`,
      ).toEqual({
        raw: true,
        dribble: true,
        headers: true,
        body: true,
      });
      const metrics = (await caRequest(ca.url, '/metrics', { ca: root })).body;
      expect(metric(metrics, 'rapki_ca_connections_refused_total', '{reason="handshake_timeout"}')).toBe(2);
    } finally {
      clearInterval(drip);
      clearInterval(headerDrip);
      clearInterval(bodyDrip);
    }
  }, 90_000);
});
