/** @module Test fixtures: workspaces with keys in every state, and a gateway app over a fresh database. */
import { type AppDeps, createApp } from '../../shared/app.ts';
import { generateApiKey, type Scope } from '../../shared/auth/api-keys.ts';
import type { DataPort } from '../../shared/db/port.ts';
import type { Logger } from '../../shared/lib/logger.ts';
import type { RateLimiter } from '../../shared/ratelimit/limiter.ts';
import { assertConformsToDocument } from './openapi-conformance.ts';
import type { ParsedJson } from './parsed-json.ts';
import { createSecretBox } from '../../shared/webhooks/secret-box.ts';

export interface KeyOptions {
  workspace: string;
  scopes?: Scope[];
  expiresAt?: string | null;
  rateLimit?: number;
}

export interface TestKey {
  key: string;
  id: string;
  workspaceId: string;
}

export async function createKey(db: DataPort, opts: KeyOptions): Promise<TestKey> {
  const k = await generateApiKey();
  const row = await db.rpc<{ id: string; workspace_id: string }>('api_key_create', {
    p_workspace_name: opts.workspace,
    p_key_hash: k.hash,
    p_prefix: k.prefix,
    p_scopes: opts.scopes ?? ['read:contacts', 'write:contacts'],
    p_expires_at: opts.expiresAt ?? null,
    p_rate_limit_per_minute: opts.rateLimit ?? null,
  });
  return { key: k.plaintext, id: row.id, workspaceId: row.workspace_id };
}

/** A workspace with a full key, a read-only key, a write-only key, a revoked, an expired key, and a second workspace. */
export async function keyRing(db: DataPort, workspace = 'acme') {
  const full = await createKey(db, { workspace, scopes: ['read:contacts', 'write:contacts', 'admin:webhooks'] });
  const readOnly = await createKey(db, { workspace, scopes: ['read:contacts'] });
  const writeOnly = await createKey(db, { workspace, scopes: ['write:contacts'] });
  const webhooksOnly = await createKey(db, { workspace, scopes: ['admin:webhooks'] });
  const revoked = await createKey(db, { workspace });
  await db.rpc('api_key_revoke', { p_key_ref: revoked.id });
  const expired = await createKey(db, { workspace, expiresAt: new Date(Date.now() - 1000).toISOString() });
  const other = await createKey(db, {
    workspace: `${workspace}-other`,
    scopes: ['read:contacts', 'write:contacts', 'admin:webhooks'],
  });
  return { full, readOnly, writeOnly, webhooksOnly, revoked, expired, other };
}

export type KeyRing = Awaited<ReturnType<typeof keyRing>>;

/** Collects log lines so tests can assert nothing secret was logged. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log(level, msg, fields) {
      lines.push(JSON.stringify({ level, msg, ...fields }));
    },
  };
}

/** The tests' webhook-secret key (fixed, so an app and a dispatcher made separately agree). */
/** Admits every request: for tests that make more than a key's requests a minute (rate limiting is tested on its own). */
export const UNLIMITED: RateLimiter = {
  backend: 'unlimited (test)',
  limit: (_id, perMinute) =>
    Promise.resolve({ success: true, limit: perMinute, remaining: perMinute, reset: Date.now() + 60_000 }),
};

export const TEST_SECRET_BOX = await createSecretBox(new Uint8Array(32).fill(7));

/** The gateway app over `db`, with any other dependency a test needs to inject, and a request helper. */
export function testApp(db: DataPort, opts: Omit<AppDeps, 'db'> = {}) {
  const app = createApp({ db, webhookSecrets: TEST_SECRET_BOX, ...opts });
  return {
    app,
    async call(
      method: string,
      path: string,
      init: { key?: string; body?: unknown; headers?: Record<string, string>; raw?: BodyInit } = {},
    ) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.key) headers.authorization = `Bearer ${init.key}`;
      let body: BodyInit | undefined = init.raw;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      await assertConformsToDocument({ method, url: path, status: res.status, headers: res.headers, text });
      let json: ParsedJson;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
  };
}

/** The error a promise rejects with; fails the test if it resolves instead. */
export function rejection<E = Error>(p: Promise<unknown>): Promise<E> {
  return p.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: E) => err,
  );
}
