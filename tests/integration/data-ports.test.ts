import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSupabasePort } from '../../shared/db/supabase-port.ts';
import { JsonText } from '../../shared/db/json-text.ts';
import { DatabaseError, type DataPort } from '../../shared/db/port.ts';
import { PART_CHARS } from '../../shared/db/postgres-json-parts.ts';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import { freshDatabase } from '../support/db.ts';
import { createKey, rejection, testApp } from '../support/fixtures.ts';
import { type PostgrestStandIn, startPostgrestStandIn, statusForSqlState } from '../support/postgrest-stand-in.ts';
import { hashApiKey } from '../../shared/auth/api-keys.ts';

const db = await freshDatabase();
let standIn: PostgrestStandIn;
beforeAll(async () => {
  standIn = await startPostgrestStandIn(db.url);
});
afterAll(async () => {
  await standIn?.close();
});

const adapters: [string, () => DataPort][] = [
  ['postgres.js', () => db.port],
  ['supabase-js via the PostgREST stand-in', () => createSupabasePort(standIn.url, standIn.serviceRoleKey)],
];

describe.each(adapters)('the %s adapter', (name, port) => {
  const ws = `ws-${name.length}`;

  it('passes named scalar, null, array and object arguments and returns the jsonb result', async () => {
    const key = await createKey(port(), { workspace: ws, scopes: ['read:contacts', 'write:contacts'], rateLimit: 77 });
    const auth = await port().rpc<Record<string, unknown>>('api_key_authenticate', {
      p_key_hash: await hashApiKey(key.key),
    });
    expect(auth).toEqual({
      key_id: key.id,
      workspace_id: key.workspaceId,
      scopes: ['read:contacts', 'write:contacts'],
      rate_limit_per_minute: 77,
    });

    const created = await port().rpc<{ status: string; contact: Record<string, unknown> }>('contact_create', {
      p_workspace_id: key.workspaceId,
      p_contact: {
        full_name: 'Ada Lovelace',
        email: 'ada@x.com',
        tags: ['a', 'b'],
        custom_fields: { n: 1, nested: { ok: true } },
        priority: 2,
        created_date: '2026-01-02T03:04:05.000Z',
      },
    });
    expect(created.status).toBe('created');
    expect(created.contact).toMatchObject({
      full_name: 'Ada Lovelace',
      tags: ['a', 'b'],
      custom_fields: { n: 1, nested: { ok: true } },
      priority: 2,
    });

    const list = await port().rpc<{ items: unknown[]; total: number }>('contact_list', {
      p_workspace_id: key.workspaceId,
      p_page: 1,
      p_per_page: 10,
      p_email: null,
    });
    expect(list.total).toBe(1);
    const missing = await port().rpc('contact_get', {
      p_workspace_id: key.workspaceId,
      p_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(missing).toBeNull();
  });

  it('passes JSON text as the jsonb it spells, small and past a part boundary that splits a surrogate pair', async () => {
    const key = await createKey(port(), { workspace: `${ws}-text` });
    const small = await port().rpc<{ contact: Record<string, unknown> }>('contact_create', {
      p_workspace_id: key.workspaceId,
      p_contact: new JsonText('{"full_name": "Small Text", "tags": ["a"]}'),
    });
    expect(small.contact).toMatchObject({ full_name: 'Small Text', tags: ['a'] });
    // Whitespace puts the emoji's high surrogate last in the first part (parts are PART_CHARS long).
    const text = `{${' '.repeat(PART_CHARS - 16)}"full_name":"\u00e9\u{1F600} Large", "tags": ["\u{1F600}"]}`;
    expect(text.charCodeAt(PART_CHARS - 1)).toBe('\u{1F600}'.charCodeAt(0));
    const large = await port().rpc<{ contact: Record<string, unknown> }>('contact_create', {
      p_workspace_id: key.workspaceId,
      p_contact: new JsonText(text),
    });
    expect(large.contact).toMatchObject({ full_name: '\u00e9\u{1F600} Large', tags: ['\u{1F600}'] });
  });

  it('turns a database error into a DatabaseError with the SQLSTATE, not marked unavailable', async () => {
    const err = await rejection<DatabaseError>(
      port().rpc('contact_get', { p_workspace_id: 'not-a-uuid', p_id: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.sqlState).toBe('22P02');
    expect(err.unavailable).toBe(false);
  });

  it('serves the gateway end to end', async () => {
    const key = await createKey(port(), { workspace: `${ws}-app` });
    const api = testApp(port());
    const created = await api.call('POST', '/v1/contacts', {
      key: key.key,
      body: { full_name: 'Grace Hopper', phone: '+1 415 555 2671' },
    });
    expect(created.status).toBe(201);
    const dup = await api.call('POST', '/v1/contacts', {
      key: key.key,
      body: { full_name: 'G', phone: '+14155552671' },
    });
    expect(dup.status).toBe(409);
    const got = await api.call('GET', `/v1/contacts/${created.json.data.id}`, { key: key.key });
    expect(got.json.data.phone).toBe('+14155552671');
  });
});

describe('the PostgREST stand-in', () => {
  it('runs calls as the role of the presented key, so anon is refused by the grants', async () => {
    const anon = createSupabasePort(standIn.url, standIn.anonKey);
    const err = await rejection<DatabaseError>(anon.rpc('health_ping'));
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.sqlState).toBe('42501');
  });

  it('answers an unknown function like PostgREST (PGRST202, 404)', async () => {
    const res = await fetch(`${standIn.url}/rest/v1/rpc/no_such_function`, {
      method: 'POST',
      headers: { authorization: `Bearer ${standIn.serviceRoleKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('PGRST202');
  });

  it('binds arguments through json_to_record with the declared types: null is SQL NULL, defaults fill omitted keys', async () => {
    await db
      .sql`create function public.stand_in_probe(p_doc jsonb, p_raw json, p_text text, p_list text[], p_at timestamptz, p_n integer default 7)
                  returns json language sql volatile as $$
                    select json_build_object('z_doc_is_null', p_doc is null, 'raw', p_raw, 'text', p_text, 'list', p_list, 'at', p_at, 'n', p_n)
                  $$`;
    await db.sql`grant execute on function public.stand_in_probe to service_role`;
    const raw =
      '{"p_doc": null, "p_raw": {"z": 1, "a": [2, {"y": null, "b": 3}]}, "p_text": "x\\u00e9", "p_list": ["a", "b"], "p_at": "2026-01-02T03:04:05Z"}';
    const res = await fetch(`${standIn.url}/rest/v1/rpc/stand_in_probe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${standIn.serviceRoleKey}`, 'content-type': 'application/json' },
      body: raw,
    });
    expect(res.status).toBe(200);
    // Byte for byte what the function returns (a json result keeps its key order and spacing).
    const [direct] = await db
      .sql`select public.stand_in_probe(null, ${'{"z": 1, "a": [2, {"y": null, "b": 3}]}'}::text::json, 'x\u00e9', array['a', 'b'], '2026-01-02T03:04:05Z')::text as body`;
    expect(await res.text()).toBe(direct.body);
    expect(direct.body).toContain('"z_doc_is_null" : true');
    expect(direct.body).toContain('"raw" : {"z": 1, "a": [2, {"y": null, "b": 3}]}');
    expect(direct.body).toContain('"n" : 7');
  });

  it('runs STABLE functions read-only, as PostgREST does for POST', async () => {
    await db.sql`create sequence public.stand_in_seq`;
    await db
      .sql`create function public.stand_in_stable_write() returns jsonb language plpgsql stable as $$ begin return to_jsonb(nextval('public.stand_in_seq')); end $$`;
    await db.sql`grant execute on function public.stand_in_stable_write to service_role`;
    await db.sql`grant usage on sequence public.stand_in_seq to service_role`;
    const err = await rejection<DatabaseError>(
      createSupabasePort(standIn.url, standIn.serviceRoleKey).rpc('stand_in_stable_write'),
    );
    expect(err.sqlState).toBe('25006');
  });

  it.each([
    ['23505', 'service_role', 409],
    ['P0001', 'service_role', 400],
    ['42501', 'anon', 401],
    ['42501', 'service_role', 403],
    ['08006', 'service_role', 503],
    ['22P02', 'service_role', 400],
    ['XX000', 'service_role', 500],
  ])('maps SQLSTATE %s for %s to HTTP %i', (code, role, status) => {
    expect(statusForSqlState(code, role)).toBe(status);
  });
});

describe('the postgres.js adapter sending a text in parts', () => {
  it('gives each argument the type its function declares, sent whole or in parts', async () => {
    await db.sql`create function public.parts_probe(p_doc jsonb, p_raw json, p_text text) returns json
                  language sql volatile as $$
                    select json_build_object('doc', p_doc, 'raw_head', left(p_raw::text, 12),
                                             'raw_length', length(p_raw::text), 'text_length', length(p_text))
                  $$`;
    await db.sql`grant execute on function public.parts_probe to service_role`;
    const probe = (args: Record<string, unknown>) =>
      db.port.rpc<{ doc: unknown; raw_head: string; raw_length: number; text_length: number }>('parts_probe', args);
    // json keeps its text as sent (the double space); jsonb would have normalised it.
    const small = await probe({ p_doc: { a: [1] }, p_raw: [1, { b: true }], p_text: 'x' });
    expect(small).toEqual({ doc: { a: [1] }, raw_head: '[1,{"b":true', raw_length: 14, text_length: 1 });
    const pad = 'x'.repeat(PART_CHARS);
    const raw = `{"k":  1, "pad": "${pad}"}`;
    const large = await probe({
      p_doc: new JsonText(`{"a": [1], "pad": "${pad}"}`),
      p_raw: new JsonText(raw),
      p_text: pad + pad,
    });
    expect(large).toEqual({
      doc: { a: [1], pad },
      raw_head: '{"k":  1, "p',
      raw_length: raw.length,
      text_length: 2 * PART_CHARS,
    });
  });

  it('fails the call when a middle part is refused, writes nothing, and serves the next call', async () => {
    const key = await createKey(db.port, { workspace: 'ws-parts-refused' });
    // Three parts; PostgreSQL refuses the NUL in the second while the third is already on its way.
    const filler = ' '.repeat(PART_CHARS);
    const text = `{"full_name": "Never Stored",${filler}"a": "\u0000"${filler}}`;
    expect(text.indexOf('\u0000')).toBeGreaterThan(PART_CHARS);
    expect(text.indexOf('\u0000')).toBeLessThan(2 * PART_CHARS);
    const err = await rejection<DatabaseError>(
      db.port.rpc('contact_create', { p_workspace_id: key.workspaceId, p_contact: new JsonText(text) }),
    );
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.sqlState).toBe('22021');
    const [{ n }] = await db.sql`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId}`;
    expect(n).toBe(0);
    const after = await db.port.rpc<{ contact: Record<string, unknown> }>('contact_create', {
      p_workspace_id: key.workspaceId,
      p_contact: new JsonText(`{"full_name": "Stored After",${filler}"tags": []}`),
    });
    expect(after.contact).toMatchObject({ full_name: 'Stored After' });
  });
});

describe('PostgREST answering that the database is out of reach', () => {
  it.each([
    [503, 'PGRST001', 'Database client error. Retrying the connection.'],
    [504, 'PGRST003', 'Timed out acquiring connection from connection pool.'],
  ])('HTTP %i %s is reported as unavailable', async (status, code, message) => {
    const server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code, details: null, hint: null, message }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const err = await rejection<DatabaseError>(
        createSupabasePort(`http://127.0.0.1:${port}`, 'k').rpc('health_ping'),
      );
      expect(err).toBeInstanceOf(DatabaseError);
      expect(err.sqlState).toBe(code);
      expect(err.unavailable).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe('an unreachable database', () => {
  it('is reported as unavailable by both adapters', async () => {
    const pg = createPostgresPort('postgres://postgres@127.0.0.1:1/none', { connectTimeout: 1 });
    const viaPg = await rejection<DatabaseError>(pg.rpc('health_ping'));
    await pg.close();
    const viaSupabase = await rejection<DatabaseError>(
      createSupabasePort('http://127.0.0.1:1', 'k').rpc('health_ping'),
    );
    for (const err of [viaPg, viaSupabase]) {
      expect(err).toBeInstanceOf(DatabaseError);
      expect(err.unavailable).toBe(true);
    }
  });
});
