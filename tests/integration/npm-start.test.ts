import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { freePort, run, type Server, startServer } from '../support/processes.ts';

/** Pulls the printed key and the curl commands out of the start banner. */
function banner(out: string) {
  const key = /dev key:\s+(wbk_[A-Za-z0-9]+)/.exec(out)?.[1];
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith('curl -X POST'));
  const curl: string[] = [];
  for (let i = start; i >= 0 && i < lines.length; i++) {
    curl.push(lines[i]);
    if (!lines[i].trimEnd().endsWith('\\')) break;
  }
  return { key, url, curl: curl.join('\n') };
}

// At the top level, as freshDatabase asks: created inside a test, its afterAll never ran and the
// database was left behind after every run.
const db = await freshDatabase();
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe('npm start', () => {
  it('with DATABASE_URL: migrates, ensures a dev key, prints a curl that works when pasted, and the same key next time', async () => {
    const env = {
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      LEADLEX_LOCAL_DIR: await mkdtemp(join(tmpdir(), 'leadlex-')),
    };
    const first = await startServer('npm', ['start'], env, /curl .*\/v1\/contacts -H/);
    servers.push(first);
    const b = banner(first.output());
    expect(b.url).toBe(`http://127.0.0.1:${env.PORT}`);
    expect(b.key).toMatch(/^wbk_/);
    const pasted = await run('bash', ['-c', b.curl]);
    expect(pasted.code).toBe(0);
    expect(JSON.parse(pasted.stdout).data).toMatchObject({
      status: 'completed',
      created_count: 2,
      updated_count: 0,
      skipped_count: 0,
      errors: [],
    });
    await first.stop();

    const second = await startServer('npm', ['start'], env, /curl .*\/v1\/contacts -H/);
    servers.push(second);
    expect(banner(second.output()).key).toBe(b.key);
    const listed = await fetch(`${b.url}/v1/contacts`, { headers: { authorization: `Bearer ${b.key}` } });
    expect((await listed.json()).meta.total).toBe(2);
    await second.stop();
    const keysInDb = await db.sql`select count(*)::int as n from api_keys`;
    expect(keysInDb[0].n).toBe(1);
    await rm(env.LEADLEX_LOCAL_DIR, { recursive: true, force: true });
  });

  it('with no configuration: boots the embedded PostgreSQL under the local folder and serves on it', async () => {
    const local = await mkdtemp(join(tmpdir(), 'leadlex-embedded-'));
    const env = {
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      LEADLEX_LOCAL_DIR: local,
      DATABASE_URL: '',
      SUPABASE_URL: '',
      SUPABASE_SERVICE_ROLE_KEY: '',
    };
    const server = await startServer('npm', ['start'], env, /curl .*\/v1\/contacts -H/, 120_000);
    servers.push(server);
    expect(server.output()).toContain(`embedded PostgreSQL in .local/pgdata (127.0.0.1:${env.EMBEDDED_PG_PORT})`);
    const b = banner(server.output());
    const pasted = await run('bash', ['-c', b.curl]);
    expect(JSON.parse(pasted.stdout).data.created_count).toBe(2);
    const health = await fetch(`${b.url}/health`);
    expect(await health.json()).toEqual({ data: { status: 'ok', database: 'ok' } });
    await server.stop();
    await rm(local, { recursive: true, force: true });
  }, 180_000);
});
