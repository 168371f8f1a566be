import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { testApp } from '../support/fixtures.ts';
import { run } from '../support/processes.ts';

const db = await freshDatabase();
const api = testApp(db.port);
const keys = (...args: string[]) =>
  run('npm', ['run', '--silent', 'keys', '--', ...args], {
    DATABASE_URL: db.url,
    SUPABASE_URL: '',
    SUPABASE_SERVICE_ROLE_KEY: '',
  });

describe('npm run keys', () => {
  it('creates a key that works, prints it once, lists it without the secret, and revokes it', async () => {
    const created = await keys(
      'create',
      '--workspace',
      'cli-co',
      '--scopes',
      'write:contacts,read:contacts',
      '--rate-limit',
      '120',
      '--json',
    );
    expect(created.code).toBe(0);
    const out = JSON.parse(created.stdout);
    expect(out.key).toMatch(/^wbk_[A-Za-z0-9]{40}$/);
    expect(out).toMatchObject({
      workspace: 'cli-co',
      scopes: ['write:contacts', 'read:contacts'],
      rate_limit_per_minute: 120,
      prefix: out.key.slice(0, 12),
    });

    const res = await api.call('POST', '/v1/contacts', { key: out.key, body: { email: 'cli@x.com' } });
    expect(res.status).toBe(201);

    const listed = await keys('list', '--workspace', 'cli-co');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(out.prefix);
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).not.toContain(out.key);
    const [row] = await db.sql`select key_hash from api_keys where id = ${out.id}`;
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await db.sql`select * from api_keys`)).not.toContain(out.key);

    const revoked = await keys('revoke', out.prefix);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('Revoked');
    expect((await api.call('GET', '/v1/contacts', { key: out.key })).status).toBe(401);
    expect((await keys('list', '--workspace', 'cli-co')).stdout).toContain('revoked');
  });

  it('creates an expiring key that stops working once expired', async () => {
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const created = JSON.parse(
      (await keys('create', '--workspace', 'cli-co', '--scopes', 'read:contacts', '--expires-at', soon, '--json'))
        .stdout,
    );
    expect(new Date(created.expires_at).toISOString()).toBe(soon);
    expect((await api.call('GET', '/v1/contacts', { key: created.key })).status).toBe(200);
    // Let the hour pass: move the expiry into the past rather than sleep.
    await db.sql`update api_keys set expires_at = now() - interval '1 second' where id = ${created.id}`;
    expect((await api.call('GET', '/v1/contacts', { key: created.key })).status).toBe(401);
  });

  it.each([
    [['create', '--scopes', 'read:contacts'], /--workspace is required/],
    [['create', '--workspace', 'w', '--scopes', 'read:everything'], /unknown scope\(s\): read:everything/],
    [
      ['create', '--workspace', 'w', '--scopes', 'read:contacts', '--expires-at', 'soonish'],
      /--expires-at must be an ISO 8601/,
    ],
    [
      ['create', '--workspace', 'w', '--scopes', 'read:contacts', '--rate-limit', '0'],
      /--rate-limit must be an integer/,
    ],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('refuses bad usage %j with exit code 2 and a message', async (args, message) => {
    const res = await keys(...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it('says when revoke matches no key', async () => {
    const res = await keys('revoke', 'wbk_nothing1');
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('No key matches');
  });
});
