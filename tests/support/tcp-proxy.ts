/** @module A TCP proxy in front of a server that can black-hole the connections open through it: they stay open and never answer, as behind a dead host or a firewall that drops packets. */
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** From now on, connections open now forward nothing in either direction and are never closed; new ones work. */
  blackholeOpenConnections(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<[Socket, Socket]>();
  const holes: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    open.add(pair);
    client.pipe(upstream).pipe(client);
    const end = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    blackholeOpenConnections() {
      for (const [client, upstream] of open) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.removeAllListeners('close').removeAllListeners('error').on('error', () => {});
        upstream.removeAllListeners('close').removeAllListeners('error').on('error', () => {});
        // Read and drop what the client sends, so its writes never block on a full buffer.
        client.on('data', () => {});
        upstream.pause();
        holes.push(client, upstream);
      }
      open.clear();
    },
    async close() {
      for (const s of holes) s.destroy();
      for (const [a, b] of open) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
