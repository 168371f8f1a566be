/**
 * @module What the gateway adds around a tiny import (auth, rate limit, Idempotency-Key) and what an
 * idempotent replay costs. Each HTTP scenario adds one layer to its baseline, so the report's
 * differences attribute the time; two in-process scenarios time the auth query and the Redis
 * limiter call alone.
 */
import { hashApiKey } from '../../shared/auth/api-keys.ts';
import { freshContacts, toJsonRow } from './data.ts';
import { checkImport } from './scenarios-sync.ts';
import { type BenchOptions, expectThat, measure, type ScenarioResult } from './scenario.ts';
import { BENCH_RATE_LIMIT, type BenchResponse, type BenchStack } from './stack.ts';

export const name = 'overhead';
export const description = 'gateway overhead on a 1-row import, and idempotent replay';

const IMPORT = '/v1/import/contacts';
/** A path the job route accepts but whose id cannot exist, so the handler answers 404 without a query: auth + rate limit alone. */
const AUTH_ONLY = '/v1/import/jobs/not-a-job-id';

const oneRow = () => JSON.stringify({ rows: freshContacts(1).map(toJsonRow) });

export async function run(stack: BenchStack, opts: BenchOptions): Promise<ScenarioResult[]> {
  const http = { group: name, iterations: 1000, warmup: 50 };
  const results: ScenarioResult[] = [];
  let run = 0;
  const idemKey = () => `bench-${process.pid}-${run++}`;

  results.push(
    await measure(
      {
        ...http,
        name: 'health',
        description: 'GET /health: no auth, one trivial SQL call (the floor of any request)',
        prepare: () => undefined,
        send: () => stack.request('GET', '/health', { key: null }),
        check: (res) =>
          expectThat(
            res.status === 200 && JSON.parse(res.text).data?.database === 'ok',
            'health',
            '200 with database ok',
            res.text,
          ),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...http,
        name: 'auth-ratelimit',
        description: 'authenticated GET answered 404 by the handler: auth query + Redis rate limit',
        baseline: 'health',
        prepare: () => undefined,
        send: () => stack.request('GET', AUTH_ONLY),
        check: (res) => checkAuthOnly(res),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...http,
        name: 'import-1-row',
        description: '1-row import without Idempotency-Key',
        rows: 1,
        iterations: 300,
        baseline: 'auth-ratelimit',
        prepare: oneRow,
        send: (body) => stack.request('POST', IMPORT, { body }),
        check: (res) => checkImport('import-1-row', res, { created: 1, updated: 0, skipped: 0 }),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...http,
        name: 'import-1-row-idempotent',
        description: '1-row import with a new Idempotency-Key each time (claim + stored response)',
        rows: 1,
        iterations: 300,
        baseline: 'import-1-row',
        prepare: () => ({ body: oneRow(), key: idemKey() }),
        send: ({ body, key }) => stack.request('POST', IMPORT, { body, headers: { 'idempotency-key': key } }),
        check: (res) => {
          checkImport('import-1-row-idempotent', res, { created: 1, updated: 0, skipped: 0 });
          expectThat(
            res.headers.get('idempotent-replayed') === null,
            'import-1-row-idempotent',
            'a first execution, not a replay',
          );
        },
      },
      opts,
      stack,
    ),
  );

  // One finished request whose key every replay reuses with the identical body.
  const replayBody = oneRow();
  const replayKey = idemKey();
  const original = await stack.request('POST', IMPORT, { body: replayBody, headers: { 'idempotency-key': replayKey } });
  checkImport('setup: request to replay', original, { created: 1, updated: 0, skipped: 0 });
  results.push(
    await measure(
      {
        ...http,
        name: 'idempotent-replay',
        description: 'the same POST with an already completed Idempotency-Key (stored response replayed)',
        baseline: 'auth-ratelimit',
        target: { p50: 5 },
        prepare: () => undefined,
        send: () => stack.request('POST', IMPORT, { body: replayBody, headers: { 'idempotency-key': replayKey } }),
        check: (res) => {
          expectThat(
            res.status === 200 && res.headers.get('idempotent-replayed') === 'true',
            'idempotent-replay',
            '200 with Idempotent-Replayed: true',
            `${res.status} ${res.text}`,
          );
          expectThat(res.text === original.text, 'idempotent-replay', 'the original body byte for byte', res.text);
        },
      },
      opts,
      stack,
    ),
  );

  const keyHash = await hashApiKey(stack.apiKey);
  results.push(
    await measure(
      {
        ...http,
        name: 'auth-query',
        kind: 'in-process',
        description: 'in-process: the api_key_authenticate call alone (postgres.js round trip)',
        prepare: () => undefined,
        send: () => stack.db.rpc<{ workspace_id: string } | null>('api_key_authenticate', { p_key_hash: keyHash }),
        check: (row) =>
          expectThat(row?.workspace_id === stack.workspaceId, 'auth-query', 'the bench key to authenticate', row),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...http,
        name: 'ratelimit-call',
        kind: 'in-process',
        description: 'in-process: one Upstash sliding-window check against the local Redis',
        prepare: () => undefined,
        // Its own identifier, so probing does not use up the bench key's window.
        send: () => stack.limiter.limit(`bench-probe-${process.pid}`, BENCH_RATE_LIMIT),
        check: (r) => expectThat(r.success, 'ratelimit-call', 'the limiter to allow the call', r),
      },
      opts,
      stack,
    ),
  );
  return results;
}

function checkAuthOnly(res: BenchResponse) {
  const body = JSON.parse(res.text);
  expectThat(
    res.status === 404 && body.error?.code === 'not_found' && /import job/.test(body.error?.message ?? ''),
    'auth-ratelimit',
    "the job route's own 404",
    res.text,
  );
  expectThat(
    res.headers.get('x-ratelimit-limit') === String(BENCH_RATE_LIMIT),
    'auth-ratelimit',
    'X-RateLimit-Limit of the bench key (the limiter answered)',
    res.headers.get('x-ratelimit-limit'),
  );
}
