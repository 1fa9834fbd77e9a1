/**
 * A tiny HTTP CONNECT proxy on 127.0.0.1:0 for proxy tests; records each tunnel's target and
 * Proxy-Authorization. `forwardTo` sends every tunnel to one address whatever host was asked for
 * (so an endpoint name needs no DNS, only the proxy); `refuse` answers CONNECT with that status.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  readonly url: string;
  readonly tunnels: string[];
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export async function startConnectProxy(o: { forwardTo?: { host: string; port: number }; refuse?: number } = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const m = /^CONNECT (\[[^\]]+\]|[^\s:]+):(\d+) HTTP\/1\.[01]\r\n/.exec(head);
      if (!m) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      tunnels.push(`${m[1]}:${m[2]}`);
      authorizations.push(/\r\nProxy-Authorization: ([^\r]*)\r\n/i.exec(head)?.[1]);
      if (o.refuse) {
        client.end(`HTTP/1.1 ${o.refuse} Refused\r\n\r\n`);
        return;
      }
      const to = o.forwardTo ?? { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
      const upstream = connect(to.port, to.host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
