import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp, type TestKey } from '../support/fixtures.ts';

const db = await freshDatabase();
const api = testApp(db.port);
let key: TestKey;
let other: TestKey;
beforeAll(async () => {
  key = await createKey(db.port, { workspace: 'idem', rateLimit: 100000 });
  other = await createKey(db.port, { workspace: 'idem-other', rateLimit: 100000 });
});
beforeEach(async () => {
  await db.sql`delete from contacts`;
  await db.sql`delete from import_jobs`;
  await db.sql`delete from idempotency_keys`;
});

const rows = (n: number, prefix = 'p') =>
  Array.from({ length: n }, (_, i) => ({ full_name: `${prefix} ${i}`, email: `${prefix}${i}@x.com` }));
const post = (path: string, body: unknown, idem?: string, k = key) =>
  api.call('POST', path, { key: k.key, body, headers: idem === undefined ? {} : { 'idempotency-key': idem } });
const count = async (table: string) => Number((await db.sql.unsafe(`select count(*)::int as n from ${table}`))[0].n);

describe('Idempotency-Key', () => {
  it('replays a finished import byte for byte, with its job_id, and imports once', async () => {
    const body = { rows: rows(3) };
    const first = await post('/v1/import/contacts', body, 'imp-1');
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post('/v1/import/contacts', body, 'imp-1');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.json.data.job_id).toBe(first.json.data.job_id);
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(await count('contacts')).toBe(3);
    expect(await count('import_jobs')).toBe(1);
  });

  it('treats the same request under another base path as the same request', async () => {
    const body = { rows: rows(2) };
    const first = await post('/v1/import/contacts', body, 'paths');
    const again = await post('/functions/v1/api-gateway/v1/import/contacts', body, 'paths');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json.data.job_id).toBe(first.json.data.job_id);
  });

  it('answers 422 idempotency_key_mismatch for the same key with another body or path', async () => {
    await post('/v1/import/contacts', { rows: rows(1) }, 'mm');
    const otherBody = await post('/v1/import/contacts', { rows: rows(2) }, 'mm');
    expect(otherBody.status).toBe(422);
    expect(otherBody.json.error.code).toBe('idempotency_key_mismatch');
    const otherPath = await post('/v1/contacts', { rows: rows(1) }, 'mm');
    expect(otherPath.status).toBe(422);
    expect(await count('import_jobs')).toBe(1);
  });

  it('scopes keys by workspace', async () => {
    const a = await post('/v1/import/contacts', { rows: rows(1) }, 'shared-key');
    const b = await post('/v1/import/contacts', { rows: rows(1) }, 'shared-key', other);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.json.data.job_id).not.toBe(a.json.data.job_id);
    expect(await count('import_jobs')).toBe(2);
  });

  it('stores and replays a 201 and a 400, but leaves the key free after a 409', async () => {
    const created = await post('/v1/contacts', { email: 'one@x.com' }, 'c-201');
    expect(created.status).toBe(201);
    const replay = await post('/v1/contacts', { email: 'one@x.com' }, 'c-201');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.json.data.id).toBe(created.json.data.id);

    const bad = await post('/v1/contacts', { email: 'nope' }, 'c-400');
    const badAgain = await post('/v1/contacts', { email: 'nope' }, 'c-400');
    expect([bad.status, badAgain.status]).toEqual([400, 400]);
    expect(badAgain.headers.get('idempotent-replayed')).toBe('true');

    const dup = await post('/v1/contacts', { email: 'one@x.com' }, 'c-409');
    expect(dup.status).toBe(409);
    const dupAgain = await post('/v1/contacts', { email: 'one@x.com' }, 'c-409');
    expect(dupAgain.status).toBe(409);
    expect(dupAgain.headers.get('idempotent-replayed')).toBeNull();
    expect((await db.sql`select key from idempotency_keys order by key`).map((r) => r.key)).toEqual(['c-201', 'c-400']);
  });

  it('answers 409 idempotency_key_in_use with Retry-After while the first is in flight', async () => {
    const body = { rows: rows(1) };
    await db.sql`insert into idempotency_keys (workspace_id, key, fingerprint, state, locked_until)
                 values (${key.workspaceId}, 'busy', ${'0'.repeat(64)}, 'in_flight', now() + interval '30 seconds')`;
    // Same fingerprint as the real request: take it from a completed twin under another key.
    await post('/v1/import/contacts', body, 'twin');
    const [{ fingerprint }] = await db.sql`select fingerprint from idempotency_keys where key = 'twin'`;
    await db.sql`update idempotency_keys set fingerprint = ${fingerprint} where key = 'busy'`;
    const res = await post('/v1/import/contacts', body, 'busy');
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('idempotency_key_in_use');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(30);
  });

  it('takes over a claim whose holder died once its lease has expired', async () => {
    const body = { rows: rows(2) };
    await post('/v1/import/contacts', body, 'twin2');
    const [{ fingerprint }] = await db.sql`select fingerprint from idempotency_keys where key = 'twin2'`;
    await db.sql`delete from contacts`;
    await db.sql`insert into idempotency_keys (workspace_id, key, fingerprint, state, locked_until)
                 values (${key.workspaceId}, 'crashed', ${fingerprint}, 'in_flight', now() - interval '1 second')`;
    const res = await post('/v1/import/contacts', body, 'crashed');
    expect(res.status).toBe(200);
    expect(res.json.data.created_count).toBe(2);
    expect((await db.sql`select state from idempotency_keys where key = 'crashed'`)[0].state).toBe('completed');
  });

  it('treats a replay after 24 hours as a fresh request', async () => {
    const body = { rows: rows(1) };
    const first = await post('/v1/import/contacts', body, 'old');
    await db.sql`update idempotency_keys set created_at = now() - interval '24 hours 1 second' where key = 'old'`;
    const later = await post('/v1/import/contacts', body, 'old');
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.json.data.job_id).not.toBe(first.json.data.job_id);
    expect(later.json.data.skipped_count).toBe(1); // the contact exists from the first run
    // The scheduled purge (retention_purge) removes expired keys.
    const purged = await db.port.rpc<{ idempotency_keys: number }>('retention_purge');
    expect(purged.idempotency_keys).toBe(0); // the fresh claim restarted its 24 hours
    await db.sql`update idempotency_keys set created_at = now() - interval '25 hours'`;
    expect((await db.port.rpc<{ idempotency_keys: number }>('retention_purge')).idempotency_keys).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['non-ASCII', 'schlüssel'],
  ])('rejects an %s key with 400 validation_error', async (_name, value) => {
    const res = await post('/v1/import/contacts', { rows: rows(1) }, value);
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe('headers.idempotency-key');
    expect(await count('contacts')).toBe(0);
  });

  it('unquotes a quoted key', async () => {
    const first = await post('/v1/import/contacts', { rows: rows(1) }, '"quoted-1"');
    const again = await post('/v1/import/contacts', { rows: rows(1) }, 'quoted-1');
    expect(again.json.data.job_id).toBe(first.json.data.job_id);
  });

  it('with 20 concurrent requests on one key, imports exactly once; the rest replay or get 409', async () => {
    const body = { rows: rows(300, 'c') };
    const results = await Promise.all(Array.from({ length: 20 }, () => post('/v1/import/contacts', body, 'storm')));
    const fresh = results.filter((r) => r.status === 200 && !r.headers.get('idempotent-replayed'));
    const replayed = results.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') === 'true');
    const busy = results.filter((r) => r.status === 409);
    expect(fresh).toHaveLength(1);
    expect(replayed.length + busy.length).toBe(19);
    for (const r of replayed) expect(r.text).toBe(fresh[0].text);
    for (const r of busy) {
      expect(r.json.error.code).toBe('idempotency_key_in_use');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(await count('import_jobs')).toBe(1);
    expect(await count('contacts')).toBe(300);
    expect(fresh[0].json.data.created_count).toBe(300);
  });

  it('lets a request whose claim was taken over after its lease store nothing and write nothing', async () => {
    const body = { rows: rows(2, 'late') };
    // Request 1 claims the key, then stalls past its lease.
    await post('/v1/import/contacts', body, 'twin-late');
    const [{ fingerprint }] = await db.sql`select fingerprint from idempotency_keys where key = 'twin-late'`;
    await db.sql`delete from contacts`;
    const first = await db.port.rpc<{ outcome: string; token: string }>('idempotency_claim', {
      p_workspace_id: key.workspaceId,
      p_key: 'stalled',
      p_fingerprint: fingerprint,
      p_lease_seconds: 60,
    });
    expect(first.outcome).toBe('claimed');
    await db.sql`update idempotency_keys set locked_until = now() - interval '1 second' where key = 'stalled'`;
    // The retry takes the key over and imports.
    const retry = await post('/v1/import/contacts', body, 'stalled');
    expect(retry.status).toBe(200);
    expect(retry.json.data.created_count).toBe(2);
    // Request 1 wakes up: its import must roll back, and it cannot store or release the key.
    const late = await db.port
      .rpc('import_run_sync', {
        p_workspace_id: key.workspaceId,
        p_job_id: 'imp_01JAAAAAAAAAAAAAAAAAAAAAAA',
        p_rows: [],
        p_errors: [],
        p_total_rows: 0,
        p_update_existing: false,
        p_source: 'rows',
        p_idempotency: { key: 'stalled', token: first.token },
      })
      .then(() => 'committed', (e: { sqlState?: string }) => e.sqlState);
    expect(late).toBe('40001');
    expect((await db.sql`select count(*)::int as n from import_jobs where id = 'imp_01JAAAAAAAAAAAAAAAAAAAAAAA'`)[0].n)
      .toBe(0);
    expect(
      await db.port.rpc('idempotency_release', {
        p_workspace_id: key.workspaceId,
        p_key: 'stalled',
        p_token: first.token,
      }),
    ).toBe(false);
    const replay = await post('/v1/import/contacts', body, 'stalled');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.json.data.job_id).toBe(retry.json.data.job_id);
    expect(await count('contacts')).toBe(2);
  });
});
