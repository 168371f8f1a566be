/**
 * @module Test helper process: serves the gateway app on Node, so tests can measure a real server from
 * outside. Its data port is the test's (`TestDb.serverEnv`): supabase-js when SUPABASE_URL is set, else postgres.js over DATABASE_URL.
 */
import { serve } from '@hono/node-server';
import { createApp } from '../../shared/app.ts';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import { createSupabasePort } from '../../shared/db/supabase-port.ts';

const env = process.env;
const db = env.SUPABASE_URL ? createSupabasePort(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY!) : createPostgresPort(env.DATABASE_URL!);
const app = createApp({ db });
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`READY ${info.port} ${process.pid}\n`);
});
