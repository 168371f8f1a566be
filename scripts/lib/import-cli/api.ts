/** @module The few calls the command makes to the public HTTP API, with the retries the API asks for: 429, 503 and 409 idempotency_key_in_use after Retry-After, and lost connections. */

/** The API answered with an error that retrying cannot fix (exit code 3). */
export class ApiRefused extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** Thrown when Ctrl-C interrupted a call. */
export class Interrupted extends Error {}

const MAX_ATTEMPTS = 30;
const MAX_WAIT_S = 120;

export interface ApiClient {
  baseUrl: string;
  call(method: 'GET' | 'POST', path: string, init?: { body?: string; idempotencyKey?: string }): Promise<Response>;
  /** The rate-limit headers of the last answer, for pacing the job polls. */
  rateLimit: { remaining: number; resetAt: number } | null;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Interrupted());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Interrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function refusal(res: Response): Promise<ApiRefused> {
  const text = await res.text();
  try {
    const e = JSON.parse(text).error;
    return new ApiRefused(`${res.status} ${e.code}: ${e.message}`, res.status, e.code, e.request_id);
  } catch {
    return new ApiRefused(`${res.status}: ${text.slice(0, 200) || res.statusText}`, res.status);
  }
}

/** Seconds to wait before retrying this answer, or null when it must not be retried. */
async function retryAfter(res: Response): Promise<number | null> {
  let retryable = res.status === 429 || res.status === 503;
  if (res.status === 409) {
    const body = await res.clone().text();
    retryable = body.includes('"idempotency_key_in_use"');
  }
  if (!retryable) return null;
  const s = Number(res.headers.get('retry-after'));
  return Number.isFinite(s) && s > 0 ? Math.min(s, MAX_WAIT_S) : 1;
}

export function createApiClient(
  baseUrl: string,
  key: string,
  signal: AbortSignal,
  onWait?: (why: string, seconds: number) => void,
): ApiClient {
  const client: ApiClient = {
    baseUrl,
    rateLimit: null,
    async call(method, path, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'user-agent': 'leadlex-import/1' };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      if (init.idempotencyKey) headers['idempotency-key'] = init.idempotencyKey;
      for (let attempt = 1;; attempt++) {
        let res: Response;
        try {
          res = await fetch(baseUrl + path, { method, headers, body: init.body, signal });
        } catch (e) {
          if (signal.aborted) throw new Interrupted();
          if (attempt >= 6) {
            throw new ApiRefused(`cannot reach ${baseUrl}: ${(e as Error).cause ?? (e as Error).message}`);
          }
          const wait = Math.min(2 ** attempt, 30);
          onWait?.(`connection failed (${(e as Error).message})`, wait);
          await sleep(wait * 1000, signal);
          continue;
        }
        const remaining = Number(res.headers.get('x-ratelimit-remaining'));
        const reset = Number(res.headers.get('x-ratelimit-reset'));
        if (res.headers.has('x-ratelimit-remaining')) client.rateLimit = { remaining, resetAt: reset * 1000 };
        if (res.ok) return res;
        const wait = await retryAfter(res);
        if (wait === null || attempt >= MAX_ATTEMPTS) throw await refusal(res);
        await res.body?.cancel();
        onWait?.(`${res.status}`, wait);
        await sleep(wait * 1000, signal);
      }
    },
  };
  return client;
}
