/**
 * @module Test helper process: serves the gateway app on Node, so tests can measure a real server from
 * outside. Its data port is the test's (`TestDb.serverEnv`): supabase-js when SUPABASE_URL is set, else
 * postgres.js over DATABASE_URL. With LOOP_DELAY_REPORT=1 it measures its event-loop delay; each SIGUSR2
 * prints `LOOPDELAY <json>` (ms) and starts afresh.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../../shared/app.ts';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import { createSupabasePort } from '../../shared/db/supabase-port.ts';
import { serveNode, socketAddress } from '../../scripts/lib/node-server.ts';

const env = process.env;
const db = env.SUPABASE_URL
  ? createSupabasePort(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY!)
  : createPostgresPort(env.DATABASE_URL!);
const app = createApp({ db, clientAddress: socketAddress });
serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`READY ${info.port} ${process.pid}\n`);
});

if (process.env.LOOP_DELAY_REPORT === '1') {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  process.on('SIGUSR2', () => {
    const report = {
      max: ms(histogram.max),
      p99: ms(histogram.percentile(99)),
      mean: ms(histogram.mean),
      count: histogram.count,
    };
    process.stdout.write(`LOOPDELAY ${JSON.stringify(report)}\n`);
    histogram.reset();
  });
}
