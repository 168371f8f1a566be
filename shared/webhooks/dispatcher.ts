/**
 * @module The webhook dispatcher: claims due deliveries (SQL, SKIP LOCKED, with a lease), sends each
 * stored body signed with both schemes, and records every attempt; SQL decides retry or failure.
 * Runtime-neutral: fetch and DNS resolution are injected.
 */
import type { DataPort } from '../db/port.ts';
import { type Logger, silentLogger } from '../lib/logger.ts';
import { orAfter } from '../lib/timeout.ts';
import { type SecretBox, SecretBoxError } from './secret-box.ts';
import { webhookHeaders } from './signing.ts';
import { checkWebhookUrl, type ResolveHost } from './ssrf.ts';

/** A delivery succeeds on a 2xx within this time (contract). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** How much of a response body an attempt keeps. */
export const RESPONSE_EXCERPT_BYTES = 2048;
const MAX_ERROR_LENGTH = 1000;

export interface DispatchDeps {
  db: DataPort;
  fetch: typeof fetch;
  resolveHost: ResolveHost;
  /** Opens the sealed signing secrets (WEBHOOK_SECRET_KEY and any previous keys); null when none is configured. */
  secrets: SecretBox | null;
  /** WEBHOOK_ALLOW_LOOPBACK=1 (local development only). */
  allowLoopback: boolean;
  /** The clock passed to SQL as p_now (claim and record); tests drive it. */
  now?: () => Date;
  /** Deliveries claimed and sent (concurrently) per call; default 20. */
  batchSize?: number;
  logger?: Logger;
  /** Per-attempt timeout; the contract's 10 s unless a test shortens it. */
  timeoutMs?: number;
  /** The claim's lease; must exceed the timeout. Default: timeout + 50 s. */
  leaseSeconds?: number;
}

export interface DispatchResult {
  claimed: number;
  succeeded: number;
  retried: number;
  failed: number;
}

interface ClaimedDelivery {
  delivery_id: string;
  event_id: string;
  attempt: number;
  url: string;
  workspace_id: string;
  secret_sealed: string;
  body: string;
}

export interface AttemptResult {
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response_body: string | null;
}

interface RecordOutcome {
  outcome: 'succeeded' | 'retry' | 'failed' | 'stale' | 'gone';
  status: string | null;
  next_attempt_at: string | null;
}

/** Claims the deliveries due at `now()` and attempts each once. Call it on a schedule (worker tick, cron). */
export async function dispatchDueWebhooks(deps: DispatchDeps): Promise<DispatchResult> {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger ?? silentLogger;
  const timeoutMs = deps.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const leaseSeconds = deps.leaseSeconds ?? Math.ceil(timeoutMs / 1000) + 50;

  const claimed = await deps.db.rpc<ClaimedDelivery[]>('webhook_deliveries_claim', {
    p_now: now().toISOString(),
    p_limit: deps.batchSize ?? 20,
    p_lease_seconds: leaseSeconds,
  });
  const result: DispatchResult = { claimed: claimed.length, succeeded: 0, retried: 0, failed: 0 };

  const settled = await Promise.allSettled(
    claimed.map(async (d) => {
      const attempt = await attemptDelivery(d, { ...deps, now, timeoutMs });
      const recorded = await deps.db.rpc<RecordOutcome>('webhook_delivery_record', {
        p_delivery_id: d.delivery_id,
        p_attempt: d.attempt,
        p_now: now().toISOString(),
        p_status_code: attempt.status_code,
        p_duration_ms: attempt.duration_ms,
        p_error: attempt.error,
        p_response_body: attempt.response_body,
      });
      if (recorded.outcome === 'succeeded') result.succeeded++;
      else if (recorded.outcome === 'retry') result.retried++;
      else result.failed++;
      logger.log(recorded.outcome === 'succeeded' ? 'info' : 'warn', 'webhook attempt', {
        delivery_id: d.delivery_id,
        event_id: d.event_id,
        attempt: d.attempt,
        status_code: attempt.status_code,
        duration_ms: attempt.duration_ms,
        error: attempt.error,
        outcome: recorded.outcome,
        next_attempt_at: recorded.next_attempt_at,
      });
    }),
  );
  // A delivery whose result could not be recorded stays claimed until its lease runs out and is
  // then attempted again (at least once); the first such error fails this call after all settled.
  const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  for (const r of rejected) {
    logger.log('error', 'webhook attempt not recorded', {
      error_name: (r.reason as Error)?.name,
      error_message: (r.reason as Error)?.message,
    });
  }
  if (rejected.length > 0) throw rejected[0].reason;
  return result;
}

type AttemptDeps = Pick<DispatchDeps, 'fetch' | 'resolveHost' | 'allowLoopback' | 'secrets'> & {
  now: () => Date;
  timeoutMs: number;
};

/**
 * An attempt without an HTTP answer: refused before sending (SSRF guard, secret), or a fetch that
 * failed or timed out, after which the endpoint may well have received the request. Failed (and
 * retried) like any other, so its owner sees why; a receiver deduplicates on `webhook-id`.
 */
function failedAttempt(error: string, duration_ms = 0): AttemptResult {
  return { status_code: null, duration_ms, error: cut(error), response_body: null };
}

/** One POST of a claimed delivery: the SSRF check, then the signed request without following redirects. */
async function attemptDelivery(d: ClaimedDelivery, deps: AttemptDeps): Promise<AttemptResult> {
  const check = await orAfter(
    checkWebhookUrl(d.url, { resolveHost: deps.resolveHost, allowLoopback: deps.allowLoopback }),
    deps.timeoutMs,
    { ok: false, reason: `resolving the host took longer than ${deps.timeoutMs} ms` } as const,
  );
  if (!check.ok) return failedAttempt(`blocked by the SSRF guard: ${check.reason}`);
  let secret: string;
  try {
    if (!deps.secrets) throw new SecretBoxError('WEBHOOK_SECRET_KEY is not configured');
    secret = await deps.secrets.open(d.secret_sealed, d.workspace_id);
  } catch (err) {
    return failedAttempt(`the signing secret cannot be decrypted: ${(err as Error).message}`);
  }
  return await postSigned(d, secret, deps);
}

/** The signed POST itself, timed, with the endpoint's answer judged by `attemptOutcome`. */
async function postSigned(d: ClaimedDelivery, secret: string, deps: AttemptDeps): Promise<AttemptResult> {
  const headers = await webhookHeaders({
    secret,
    webhookId: d.event_id,
    deliveryId: d.delivery_id,
    body: d.body,
    at: deps.now(),
  });
  const started = performance.now();
  const elapsed = () => Math.max(0, Math.round(performance.now() - started));
  const signal = AbortSignal.timeout(deps.timeoutMs);
  let res: Response;
  try {
    res = await deps.fetch(d.url, { method: 'POST', headers, body: d.body, redirect: 'manual', signal });
  } catch (err) {
    return failedAttempt(describeFetchError(err, deps.timeoutMs), elapsed());
  }
  const response_body = await readExcerpt(res);
  return attemptOutcome(res, elapsed(), response_body);
}

/** 2xx delivers; a redirect is not followed (its target was never SSRF-checked); anything else fails. */
function attemptOutcome(res: Response, duration_ms: number, response_body: string | null): AttemptResult {
  if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
    const location = res.headers.get('location');
    return {
      status_code: res.status || null,
      duration_ms,
      error: cut(`redirect not followed${location ? ` (Location: ${location.slice(0, 300)})` : ''}`),
      response_body,
    };
  }
  if (res.status >= 200 && res.status < 300) {
    return { status_code: res.status, duration_ms, error: null, response_body };
  }
  return {
    status_code: res.status,
    duration_ms,
    error: cut(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`),
    response_body,
  };
}

/** Up to RESPONSE_EXCERPT_BYTES of the body as text (never more bytes than that once re-encoded), then the rest is discarded. */
async function readExcerpt(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks off or outlasts the timeout keeps what arrived; the status decides.
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, RESPONSE_EXCERPT_BYTES));
  let offset = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, bytes.length - offset);
    if (take <= 0) break;
    bytes.set(c.subarray(0, take), offset);
    offset += take;
  }
  if (bytes.length === 0) return '';
  return fitUtf8(
    new TextDecoder('utf-8', { fatal: false }).decode(bytes).replaceAll('\u0000', ''),
    RESPONSE_EXCERPT_BYTES,
  );
}

/** Trims text so its UTF-8 encoding fits `maxBytes` (replacement characters can grow it). */
function fitUtf8(text: string, maxBytes: number): string {
  const enc = new TextEncoder();
  if (enc.encode(text).length <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = enc.encode(ch).length;
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `request failed: ${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
}

function cut(s: string): string {
  return s.length > MAX_ERROR_LENGTH ? s.slice(0, MAX_ERROR_LENGTH) : s;
}
