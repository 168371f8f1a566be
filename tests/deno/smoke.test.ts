import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey } from '../support/fixtures.ts';
import { freePort, startServer, type Server } from '../support/processes.ts';

const db = await freshDatabase();
let server: Server | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('functions/api-gateway under Deno', () => {
  it('boots the real entry point (node_modules mode) and answers an authenticated request', async () => {
    const port = await freePort();
    const key = await createKey(db.port, { workspace: 'deno-smoke' });
    server = await startServer(
      'npx',
      ['deno', 'run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'functions/api-gateway/index.ts'],
      { DATABASE_URL: db.url, PORT: String(port), SUPABASE_URL: '', SUPABASE_SERVICE_ROLE_KEY: '', DENO_NO_UPDATE_CHECK: '1', HOST: '127.0.0.1' },
      /Listening on/,
    );
    const base = `http://127.0.0.1:${port}/functions/v1/api-gateway`;
    const created = await fetch(`${base}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', 'x-request-id': 'deno-smoke-1' },
      body: JSON.stringify({ full_name: 'Deno Smoke', email: 'deno@x.com', phone: '+44 20 7946 0958' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('deno-smoke-1');
    const body = await created.json();
    expect(body.data).toMatchObject({ first_name: 'Deno', last_name: 'Smoke', phone: '+442079460958' });
    const [row] = await db.sql`select workspace_id from contacts where id = ${body.data.id}`;
    expect(row.workspace_id).toBe(key.workspaceId);

    const unauthorised = await fetch(`${base}/v1/contacts`);
    expect(unauthorised.status).toBe(401);
    // The entry logs structured JSON lines; none may carry the key.
    expect(server.output()).toContain('"msg":"request"');
    expect(server.output()).not.toContain(key.key);
  }, 120_000);
});
