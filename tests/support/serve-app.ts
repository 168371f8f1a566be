/** @module Test helper process: serves the gateway app on Node over DATABASE_URL, so tests can measure a real server from outside. */
import { createApp } from '../../shared/app.ts';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import { serveNode, socketAddress } from '../../scripts/lib/node-server.ts';

const app = createApp({ db: createPostgresPort(process.env.DATABASE_URL!), clientAddress: socketAddress });
serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`READY ${info.port} ${process.pid}\n`);
});
