import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../shared/app.ts';
import { type DispatchDeps, dispatchDueWebhooks } from '../../shared/webhooks/dispatcher.ts';
import { ImportCompletedEventSchema } from '../../shared/webhooks/event-doc.ts';
import { resolveHost as nodeResolveHost } from '../../scripts/lib/resolve-host.ts';
import { freshDatabase } from '../support/db.ts';
import { createSecretBox } from '../../shared/webhooks/secret-box.ts';
import { createKey, type KeyRing, keyRing, memoryLogger, TEST_SECRET_BOX, UNLIMITED } from '../support/fixtures.ts';

const db = await freshDatabase();

// ---------------------------------------------------------------------------------------------
// A real HTTP receiver on 127.0.0.1: each path answers from a script of behaviours, one per request
// (the last one repeats), and every request is recorded with its raw body and headers.

type Behaviour =
  | { status: number; body?: string; headers?: Record<string, string> }
  | 'hang' // read the request, never answer
  | 'reset'; // read the request, then destroy the connection

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface Receiver {
  base: string;
  requests: Received[];
  on(path: string, ...script: Behaviour[]): void;
  at(path: string): Received[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const scripts = new Map<string, Behaviour[]>();
  const requests: Received[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = req.url ?? '/';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    requests.push({ path, headers, body: Buffer.concat(chunks).toString('utf8') });
    const script = scripts.get(path) ?? [{ status: 404 }];
    const next = script.length > 1 ? script.shift()! : script[0];
    if (next === 'hang') return;
    if (next === 'reset') return void req.socket.destroy();
    res.writeHead(next.status, { 'content-type': 'text/plain; charset=utf-8', ...(next.headers ?? {}) });
    res.end(next.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    on(path, ...script) {
      scripts.set(path, script);
    },
    at: (path) => requests.filter((r) => r.path === path),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------

/** The consumer-side check from README.md "Webhooks", verbatim. */
function verifyLeadLex(secret: string, rawBody: string, signatureHeader: string | undefined) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = Buffer.from('sha256=' + createHmac('sha256', key).update(rawBody).digest('hex'));
  const given = Buffer.from(signatureHeader ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The standardwebhooks package's verify, with its clock set to the attempt's time (tests move time, not the clock). */
function verifyStandard(secret: string, r: Received, at: Date) {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(at);
    return new Webhook(secret).verify(r.body, r.headers);
  } finally {
    vi.useRealTimers();
  }
}

const SCHEDULE_S = [5, 30, 300, 3600, 21600];
const DATA = {
  job_id: 'imp_01JAAAAAAAAAAAAAAAAAAAAAAA',
  status: 'completed',
  total_rows: 1200,
  created_count: 1100,
  updated_count: 50,
  skipped_count: 50,
  error_count: 3,
};

let receiver: Receiver;
let keys: KeyRing;
const logger = memoryLogger();
const app = createApp({
  db: db.port,
  limiter: UNLIMITED,
  resolveHost: nodeResolveHost,
  allowWebhookLoopback: true,
  logger,
  webhookSecrets: TEST_SECRET_BOX,
});

beforeAll(async () => {
  receiver = await startReceiver();
  keys = await keyRing(db.port);
});
afterAll(async () => {
  await receiver?.close();
});
beforeEach(async () => {
  await db.sql`delete from webhook_endpoints`;
  await db.sql`delete from webhook_events`;
  receiver.requests.length = 0;
});

async function call(method: string, path: string, body?: unknown, key = keys.full.key) {
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function register(
  path: string,
  extra: Record<string, unknown> = {},
  key = keys.full.key,
): Promise<{ id: string; secret: string }> {
  const res = await call('POST', '/v1/webhooks', {
    url: `${receiver.base}${path}`,
    events: ['import.completed'],
    ...extra,
  }, key);
  expect(res.status).toBe(201);
  return { id: res.json.data.id, secret: res.json.data.secret };
}

async function emit(workspaceId = keys.full.workspaceId, data: Record<string, unknown> = DATA): Promise<string> {
  const [row] = await db.sql`select internal.webhook_emit(${workspaceId}, 'import.completed', ${
    db.sql.json(data as never)
  }) as id`;
  return row.id as string;
}

/** Dispatch with a driven clock and a short timeout (the default stays 10 s). */
function dispatchAt(at: Date, extra: Partial<DispatchDeps> = {}) {
  return dispatchDueWebhooks({
    db: db.port,
    fetch,
    resolveHost: nodeResolveHost,
    allowLoopback: true,
    secrets: TEST_SECRET_BOX,
    now: () => at,
    timeoutMs: 400,
    logger,
    ...extra,
  });
}

async function delivery(id?: string) {
  const rows = await db.sql`select * from webhook_deliveries ${
    id ? db.sql`where id = ${id}` : db.sql``
  } order by created_at, id`;
  return rows[0];
}

const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

describe('delivery with retries to a real receiver', () => {
  it('fails (500, timeout, reset), retries on schedule, then succeeds exactly once, with every attempt recorded and signed', async () => {
    const { id: endpointId, secret } = await register('/flaky');
    receiver.on('/flaky', { status: 500, body: 'boom: database down' }, 'hang', 'reset', {
      status: 200,
      body: 'thanks',
    });
    const eventId = await emit();
    const [event] = await db.sql`select body, created_at from webhook_events where id = ${eventId}`;
    const t0 = new Date();
    const times: Date[] = [];

    // Attempt 1 at T0: 500.
    expect(await dispatchAt(t0)).toEqual({ claimed: 1, succeeded: 0, retried: 1, failed: 0 });
    times.push(t0);
    let now = t0;
    // Attempts 2–4 follow the schedule: not due just before the earliest jittered time, due at the latest.
    for (let n = 1; n <= 3; n++) {
      const d = await delivery();
      expect(d.status).toBe('pending');
      const delay = d.next_attempt_at.getTime() - now.getTime();
      expect(delay).toBeGreaterThanOrEqual(SCHEDULE_S[n - 1] * 900);
      expect(delay).toBeLessThanOrEqual(SCHEDULE_S[n - 1] * 1100);
      expect(await dispatchAt(plus(now, SCHEDULE_S[n - 1] * 900 - 500))).toEqual({
        claimed: 0,
        succeeded: 0,
        retried: 0,
        failed: 0,
      });
      now = plus(now, SCHEDULE_S[n - 1] * 1100);
      times.push(now);
      const result = await dispatchAt(now);
      expect(result.claimed).toBe(1);
      expect(result).toEqual(
        n < 3
          ? { claimed: 1, succeeded: 0, retried: 1, failed: 0 }
          : { claimed: 1, succeeded: 1, retried: 0, failed: 0 },
      );
    }
    // Nothing more, ever.
    expect(await dispatchAt(plus(now, 86_400_000))).toEqual({ claimed: 0, succeeded: 0, retried: 0, failed: 0 });

    const got = receiver.at('/flaky');
    expect(got).toHaveLength(4);
    const d = await delivery();
    expect(d).toMatchObject({
      status: 'succeeded',
      attempt_count: 4,
      last_status_code: 200,
      next_attempt_at: null,
      locked_until: null,
    });
    got.forEach((r, i) => {
      // Identical bytes and ids on every attempt; per-attempt timestamps.
      expect(r.body).toBe(event.body);
      expect(r.headers['webhook-id']).toBe(eventId);
      expect(r.headers['x-leadlex-delivery-id']).toBe(d.id);
      expect(r.headers['user-agent']).toBe('LeadLex-Webhook/1.0');
      expect(r.headers['content-type']).toBe('application/json');
      const seconds = Math.floor(times[i].getTime() / 1000);
      expect(r.headers['webhook-timestamp']).toBe(String(seconds));
      expect(r.headers['x-leadlex-timestamp']).toBe(new Date(seconds * 1000).toISOString());
      // Both signatures, checked as a consumer would.
      expect(verifyLeadLex(secret, r.body, r.headers['x-leadlex-signature'])).toBe(true);
      expect(verifyStandard(secret, r, times[i])).toEqual(JSON.parse(event.body));
      expect(new Webhook(secret).sign(eventId, times[i], r.body)).toBe(r.headers['webhook-signature']);
      expect(verifyLeadLex(secret, r.body + ' ', r.headers['x-leadlex-signature'])).toBe(false);
    });

    // The event body is exactly the contract's, compact and in its key order.
    const body = JSON.parse(event.body);
    // ... and the one the OpenAPI document's `webhooks.import.completed` publishes.
    expect(ImportCompletedEventSchema.safeParse(body).error).toBeUndefined();
    expect(Object.keys(body)).toEqual(['id', 'event', 'created_at', 'workspace_id', 'data']);
    expect(body).toEqual({
      id: eventId,
      event: 'import.completed',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      workspace_id: keys.full.workspaceId,
      data: DATA,
    });
    expect(Object.keys(body.data)).toEqual([
      'job_id',
      'status',
      'total_rows',
      'created_count',
      'updated_count',
      'skipped_count',
      'error_count',
    ]);
    expect(event.body).toBe(JSON.stringify(body));
    expect(body.created_at).toBe(event.created_at.toISOString());
    expect(eventId).toMatch(/^evt_[0-9A-Za-z]+$/);

    // The API shows every attempt.
    const res = await call('GET', `/v1/webhooks/${endpointId}/deliveries`);
    expect(res.status).toBe(200);
    expect(res.json.meta.total).toBe(1);
    const shown = res.json.data[0];
    expect(shown).toMatchObject({
      id: d.id,
      event_id: eventId,
      event: 'import.completed',
      status: 'succeeded',
      attempt_count: 4,
      last_status_code: 200,
      last_error: null,
      next_attempt_at: null,
    });
    expect(shown.attempts).toHaveLength(4);
    expect(shown.attempts[0]).toMatchObject({
      attempt: 1,
      status_code: 500,
      error: 'HTTP 500 Internal Server Error',
      response_body: 'boom: database down',
    });
    expect(shown.attempts[1]).toMatchObject({
      attempt: 2,
      status_code: null,
      error: 'timed out after 400 ms',
      response_body: null,
    });
    expect(shown.attempts[1].duration_ms).toBeGreaterThanOrEqual(350);
    expect(shown.attempts[2]).toMatchObject({
      attempt: 3,
      status_code: null,
      error: expect.stringMatching(/^request failed: /),
      response_body: null,
    });
    expect(shown.attempts[3]).toMatchObject({ attempt: 4, status_code: 200, error: null, response_body: 'thanks' });
    shown.attempts.forEach((a: { duration_ms: number; started_at: string }, i: number) => {
      expect(a.duration_ms).toEqual(expect.any(Number));
      expect(new Date(a.started_at).getTime()).toBe(times[i].getTime());
    });
    // The logs carry the attempts but never the secret or the body.
    const joined = logger.lines.join('\n');
    expect(joined).toContain('webhook attempt');
    expect(joined).not.toContain(secret);
    expect(joined).not.toContain('boom: database down');
  });

  it('keeps only the first 2048 bytes of a response body', async () => {
    await register('/big');
    receiver.on('/big', { status: 503, body: 'é'.repeat(3000) });
    await emit();
    await dispatchAt(new Date());
    const [a] = await db.sql`select response_body, status_code from webhook_delivery_attempts`;
    expect(a.status_code).toBe(503);
    expect(Buffer.byteLength(a.response_body)).toBe(2048);
    expect(a.response_body).toBe('é'.repeat(1024));
  });

  it('marks the delivery failed after the sixth failed attempt, having kept to the schedule', async () => {
    await register('/down');
    receiver.on('/down', { status: 502, body: 'bad gateway' });
    await emit();
    let now = new Date();
    expect(await dispatchAt(now)).toMatchObject({ claimed: 1, retried: 1 });
    for (let n = 1; n <= 5; n++) {
      const d = await delivery();
      expect(d.status).toBe('pending');
      const delay = d.next_attempt_at.getTime() - now.getTime();
      expect(delay / 1000).toBeGreaterThanOrEqual(SCHEDULE_S[n - 1] * 0.9);
      expect(delay / 1000).toBeLessThanOrEqual(SCHEDULE_S[n - 1] * 1.1);
      expect((await dispatchAt(plus(now, SCHEDULE_S[n - 1] * 900 - 1))).claimed).toBe(0);
      // Postgres keeps microseconds, a Date milliseconds: the next millisecond is surely due.
      now = plus(d.next_attempt_at, 1);
      expect(await dispatchAt(now)).toEqual(
        n < 5
          ? { claimed: 1, succeeded: 0, retried: 1, failed: 0 }
          : { claimed: 1, succeeded: 0, retried: 0, failed: 1 },
      );
    }
    const d = await delivery();
    expect(d).toMatchObject({
      status: 'failed',
      attempt_count: 6,
      last_status_code: 502,
      next_attempt_at: null,
      locked_until: null,
    });
    expect(d.completed_at.getTime()).toBe(now.getTime());
    expect(receiver.at('/down')).toHaveLength(6);
    expect(
      Number((await db.sql`select count(*)::int as n from webhook_delivery_attempts where delivery_id = ${d.id}`)[0].n),
    ).toBe(6);
    expect((await dispatchAt(plus(now, 7 * 86_400_000))).claimed).toBe(0);
    expect(receiver.at('/down')).toHaveLength(6);
  });
});

describe('410, redirects, inactive endpoints', () => {
  it('disables the endpoint on 410 Gone and fails its other pending deliveries without retrying', async () => {
    const { id } = await register('/gone');
    receiver.on('/gone', { status: 410, body: 'gone' });
    await emit();
    await emit();
    const now = new Date();
    expect(await dispatchAt(now, { batchSize: 1 })).toEqual({ claimed: 1, succeeded: 0, retried: 0, failed: 1 });
    const rows = await db
      .sql`select status, attempt_count, last_status_code, last_error from webhook_deliveries order by created_at, id`;
    expect(rows).toEqual([
      { status: 'failed', attempt_count: 1, last_status_code: 410, last_error: 'HTTP 410 Gone' },
      {
        status: 'failed',
        attempt_count: 0,
        last_status_code: null,
        last_error: expect.stringContaining('deactivated'),
      },
    ]);
    const endpoint = await call('GET', `/v1/webhooks/${id}`);
    expect(endpoint.json.data).toMatchObject({ active: false, disabled_reason: expect.stringContaining('410 Gone') });
    expect((await dispatchAt(plus(now, 86_400_000))).claimed).toBe(0);
    expect(receiver.at('/gone')).toHaveLength(1);
    // Disabled: a new event creates no delivery for it; re-activating clears the reason.
    await emit();
    expect(Number((await db.sql`select count(*)::int as n from webhook_deliveries`)[0].n)).toBe(2);
    const back = await call('PATCH', `/v1/webhooks/${id}`, { active: true });
    expect(back.json.data).toMatchObject({ active: true, disabled_reason: null });
  });

  it('records a 3xx as a failed attempt and never follows it', async () => {
    const target = await startReceiver();
    try {
      target.on('/target', { status: 200 });
      await register('/redirect');
      receiver.on('/redirect', { status: 302, headers: { location: `${target.base}/target` } });
      await emit();
      expect(await dispatchAt(new Date())).toEqual({ claimed: 1, succeeded: 0, retried: 1, failed: 0 });
      expect(receiver.at('/redirect')).toHaveLength(1);
      expect(target.requests).toHaveLength(0);
      const [a] = await db.sql`select status_code, error from webhook_delivery_attempts`;
      expect(a).toEqual({ status_code: 302, error: `redirect not followed (Location: ${target.base}/target)` });
      expect((await delivery()).status).toBe('pending');
    } finally {
      await target.close();
    }
  });

  it('gives an inactive endpoint no deliveries, and fails pending ones when it is deactivated', async () => {
    const paused = await register('/paused', { active: false });
    const live = await register('/live');
    receiver.on('/live', { status: 204 });
    await emit();
    const rows = await db.sql`select endpoint_id from webhook_deliveries`;
    expect(rows.map((r) => r.endpoint_id)).toEqual([live.id]);

    // A pending delivery of an endpoint that is then deactivated is failed, not sent.
    await call('PATCH', `/v1/webhooks/${live.id}`, { active: false });
    expect(await delivery()).toMatchObject({
      status: 'failed',
      attempt_count: 0,
      last_error: expect.stringContaining('deactivated'),
    });
    expect((await dispatchAt(plus(new Date(), 60_000))).claimed).toBe(0);
    expect(receiver.requests).toHaveLength(0);
    expect(paused.id).not.toBe(live.id);
  });

  it("only fans out to the emitting workspace's endpoints", async () => {
    await register('/mine');
    await register('/theirs', {}, keys.other.key);
    receiver.on('/mine', { status: 200 });
    await emit(keys.full.workspaceId);
    expect(await dispatchAt(new Date())).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/mine']);
  });
});

describe('the SSRF guard at delivery time', () => {
  it('blocks a host that now resolves to a private address (DNS rebinding), without sending', async () => {
    // Registered while it resolved to a public address; a literal IP URL cannot change, so the
    // endpoint row is pointed at a hostname directly.
    const { id } = await register('/never');
    await db.sql`update webhook_endpoints set url = 'https://rebind.example.com/hook' where id = ${id}`;
    await emit();
    const fetchSpy = vi.fn(fetch);
    const result = await dispatchAt(new Date(), {
      fetch: fetchSpy as typeof fetch,
      resolveHost: () => Promise.resolve(['93.184.216.34', '10.0.0.8']),
      allowLoopback: false,
    });
    expect(result).toEqual({ claimed: 1, succeeded: 0, retried: 1, failed: 0 });
    expect(fetchSpy).not.toHaveBeenCalled();
    const [a] = await db.sql`select status_code, error, duration_ms from webhook_delivery_attempts`;
    expect(a).toEqual({
      status_code: null,
      duration_ms: 0,
      error:
        'blocked by the SSRF guard: the host rebind.example.com resolves to 10.0.0.8, which is not a public address: private (RFC 1918)',
    });
  });

  it('blocks loopback when WEBHOOK_ALLOW_LOOPBACK is off', async () => {
    await register('/local');
    receiver.on('/local', { status: 200 });
    await emit();
    expect(await dispatchAt(new Date(), { allowLoopback: false })).toMatchObject({ claimed: 1, retried: 1 });
    expect(receiver.requests).toHaveLength(0);
    const [a] = await db.sql`select error from webhook_delivery_attempts`;
    expect(a.error).toMatch(/^blocked by the SSRF guard: the URL must use https/);
  });
});

describe('the outbox and the claim', () => {
  it('writes nothing when the emitting transaction rolls back, and the event with its deliveries when it commits', async () => {
    await register('/a');
    await register('/b');
    const err = await db.sql
      .begin(async (tx) => {
        await tx`select internal.webhook_emit(${keys.full.workspaceId}, 'import.completed', ${tx.json(DATA)})`;
        expect(Number((await tx`select count(*)::int as n from webhook_deliveries`)[0].n)).toBe(2);
        throw new Error('the job update failed');
      })
      .catch((e: Error) => e);
    expect((err as Error).message).toBe('the job update failed');
    expect((await db.sql`select count(*)::int as n from webhook_events`)[0].n).toBe(0);
    expect((await db.sql`select count(*)::int as n from webhook_deliveries`)[0].n).toBe(0);

    const id = await db.sql.begin(async (tx) =>
      (await tx`select internal.webhook_emit(${keys.full.workspaceId}, 'import.completed', ${tx.json(DATA)}) as id`)[0]
        .id
    );
    expect((await db.sql`select count(*)::int as n from webhook_events where id = ${id}`)[0].n).toBe(1);
    expect(
      (await db.sql`select count(*)::int as n from webhook_deliveries where event_id = ${id} and status = 'pending'`)[0]
        .n,
    ).toBe(2);
  });

  it('refuses an unknown event or non-object data', async () => {
    await expect(db.sql`select internal.webhook_emit(${keys.full.workspaceId}, 'contact.created', '{}'::jsonb)`).rejects
      .toThrow(/unknown webhook event/);
    await expect(db.sql`select internal.webhook_emit(${keys.full.workspaceId}, 'import.completed', '[1]'::jsonb)`)
      .rejects.toThrow(/JSON object/);
  });

  it('is not callable by the service role through the data port (internal schema)', async () => {
    await expect(
      db.port.rpc('webhook_emit', { p_workspace_id: keys.full.workspaceId, p_event: 'import.completed', p_data: DATA }),
    ).rejects.toThrow();
  });

  it('never hands one delivery to two concurrent dispatchers (SKIP LOCKED)', async () => {
    await register('/many');
    receiver.on('/many', { status: 200 });
    for (let i = 0; i < 12; i++) await emit();
    const now = new Date();
    // The real 10 s send timeout: 24 concurrent sends on a busy machine may take longer than the short test one.
    const [a, b] = await Promise.all([
      dispatchAt(now, { batchSize: 12, timeoutMs: 10_000 }),
      dispatchAt(now, { batchSize: 12, timeoutMs: 10_000 }),
    ]);
    expect(a.claimed + b.claimed).toBe(12);
    expect(a.succeeded + b.succeeded).toBe(12);
    const ids = receiver.at('/many').map((r) => r.headers['x-leadlex-delivery-id']);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });

  it('claims a delivery again after its lease runs out (the dispatcher died), closing the lost attempt', async () => {
    await register('/lease');
    receiver.on('/lease', { status: 200 });
    await emit();
    const t0 = new Date();
    // A dispatcher claims and dies before sending.
    const claimed = await db.port.rpc<{ delivery_id: string; attempt: number }[]>('webhook_deliveries_claim', {
      p_now: t0.toISOString(),
      p_limit: 10,
      p_lease_seconds: 60,
    });
    expect(claimed).toHaveLength(1);
    expect((await dispatchAt(plus(t0, 59_000))).claimed).toBe(0);
    expect(await dispatchAt(plus(t0, 60_000))).toEqual({ claimed: 1, succeeded: 1, retried: 0, failed: 0 });
    const attempts = await db.sql`select attempt, status_code, error from webhook_delivery_attempts order by attempt`;
    expect(attempts).toEqual([
      { attempt: 1, status_code: null, error: expect.stringContaining('lease ran out') },
      { attempt: 2, status_code: 200, error: null },
    ]);
    // A late result of the lost attempt is kept as an attempt but does not move the delivery.
    const late = await db.port.rpc<{ outcome: string }>('webhook_delivery_record', {
      p_delivery_id: claimed[0].delivery_id,
      p_attempt: 1,
      p_now: plus(t0, 61_000).toISOString(),
      p_status_code: 500,
      p_duration_ms: 5,
      p_error: 'HTTP 500',
      p_response_body: '',
    });
    expect(late.outcome).toBe('stale');
    expect((await delivery()).status).toBe('succeeded');
  });

  it('uses the default 10 s timeout unless told otherwise', async () => {
    const { WEBHOOK_TIMEOUT_MS } = await import('../../shared/webhooks/dispatcher.ts');
    expect(WEBHOOK_TIMEOUT_MS).toBe(10_000);
  });
});

describe('signing secrets encrypted at rest', () => {
  it('signs with the secret shown at creation, across a key rotation; a missing key is a recorded, retried attempt', async () => {
    const owner = await createKey(db.port, { workspace: 'sealed-secrets', scopes: ['admin:webhooks'] });
    const { secret } = await register('/sealed', {}, owner.key);
    const [row] = await db.sql`select secret_sealed from webhook_endpoints where url = ${`${receiver.base}/sealed`}`;
    expect(row.secret_sealed).not.toContain(secret.slice(6));
    receiver.on('/sealed', { status: 200, body: 'ok' });

    // Rotated: a new current key, the old one kept for decryption only.
    const rotated = await createSecretBox(new Uint8Array(32).fill(9), [new Uint8Array(32).fill(7)]);
    expect(rotated.keyId).not.toBe(TEST_SECRET_BOX.keyId);
    // The old key dropped too early: the attempt fails, says why, and is retried.
    const withoutOld = await createSecretBox(new Uint8Array(32).fill(9));

    await emit(owner.workspaceId);
    const t0 = new Date();
    expect(await dispatchAt(t0, { secrets: withoutOld })).toMatchObject({ claimed: 1, retried: 1 });
    const failed = await delivery(
      (await db
        .sql`select d.id from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id where e.workspace_id = ${owner.workspaceId}`)[
          0
        ].id,
    );
    expect(failed.last_error).toContain('the signing secret cannot be decrypted');
    expect(receiver.at('/sealed')).toHaveLength(0);

    expect(await dispatchAt(plus(t0, 3_600_000), { secrets: rotated })).toMatchObject({ claimed: 1, succeeded: 1 });
    const [got] = receiver.at('/sealed');
    expect(verifyLeadLex(secret, got.body, got.headers['x-leadlex-signature'])).toBe(true);
    const sentAt = new Date(Number(got.headers['webhook-timestamp']) * 1000);
    expect(new Webhook(secret).sign(got.headers['webhook-id'], sentAt, got.body)).toBe(
      got.headers['webhook-signature'],
    );
  });
});
