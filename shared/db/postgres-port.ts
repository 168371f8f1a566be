/** @module Data port adapter over postgres.js: local runs, self-hosted deployments and tests. */
import postgres from 'postgres';
import { deadlineFor, type DeadlineOverrides, STATEMENT_TIMEOUT_MS, withDeadline } from './deadlines.ts';
import { JsonText } from './json-text.ts';
import { callWithParts, type LargeArgument, largeText, partsExpression } from './postgres-json-parts.ts';
import { assertIdentifier, DatabaseError, type DataPort, isUnavailableState, type RpcArgs } from './port.ts';

export interface PostgresPortOptions {
  /** Pool size; the Edge runtime wants few connections per isolate. */
  max?: number;
  /** Seconds to wait for a new connection before it fails as unavailable. */
  connectTimeout?: number;
  /** Per-call deadlines (milliseconds) in place of the defaults of `deadlines.ts`. */
  deadlines?: DeadlineOverrides;
  /** Server-side statement_timeout (ms, 0 = none), sent as a startup parameter. */
  statementTimeoutMs?: number;
  /**
   * A call that ran past its deadline and has still not settled this long afterwards means its
   * connection is stuck (a peer that stopped answering): the pool is replaced by a fresh one.
   */
  stuckAfterMs?: number;
}

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

export function createPostgresPort(databaseUrl: string, options: PostgresPortOptions = {}): DataPort {
  const pool = recyclingPool(() =>
    postgres(databaseUrl, {
      max: options.max ?? 10,
      connect_timeout: options.connectTimeout ?? 2,
      idle_timeout: 20,
      onnotice: () => {},
      // Supabase's pooler (transaction mode) cannot keep prepared statements.
      prepare: false,
      connection: statementTimeout(options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS),
      types: JSON_TEXT_SERIALIZERS,
    })
  );
  const stuckAfterMs = options.stuckAfterMs ?? 10_000;

  return {
    async rpc<T>(name: string, args: RpcArgs = {}): Promise<T> {
      const sql = pool.current();
      const { call, params, large } = callOf(sql, name, args);
      let current: object | undefined;
      const work: PromiseLike<postgres.Row[]> = large.size === 0
        ? (current = sql.unsafe(call(new Map()), params as postgres.ParameterOrJSON<never>[]))
        : callWithParts(sql, `public.${name}`, large, call, params, (q) => (current = q));
      const ms = deadlineFor(name, options.deadlines);
      try {
        const rows = await withDeadline(name, ms, work, () => {
          if (current) cancelQuietly(current);
          pool.recycleIfStuck(sql, work, stuckAfterMs);
        });
        return rows[0]?.result as T;
      } catch (err) {
        throw toDatabaseError(err);
      }
    },
    close: () => pool.close(),
  };
}

/**
 * The statement of a call (given the declared types of the arguments too large to send as one),
 * its parameters, and those large arguments by position.
 */
function callOf(sql: postgres.Sql, name: string, args: RpcArgs) {
  const keys = Object.keys(args).filter((k) => args[k] !== undefined);
  const params: unknown[] = [];
  const large = new Map<number, LargeArgument>();
  const named = keys.map((k, i) => {
    const text = largeText(args[k]);
    if (text !== undefined) {
      large.set(i, { name: k, text });
      return (types: ReadonlyMap<string, string>) =>
        `${assertIdentifier(k)} => ${partsExpression(i, types.get(k) ?? 'text')}`;
    }
    params.push(toParameter(sql, args[k]));
    const placeholder = `${assertIdentifier(k)} => $${params.length}`;
    return () => placeholder;
  });
  const call = (types: ReadonlyMap<string, string>) =>
    `select public.${assertIdentifier(name)}(${named.map((arg) => arg(types)).join(', ')}) as result`;
  return { call, params, large };
}

/**
 * Objects (a JsonText too) go untyped: PostgreSQL gives each the argument's declared type, json or
 * jsonb, and postgres.js then hands it to the serialisers below, which send its JSON. (postgres.js
 * would type an array by its first element; `typed(v, 0)` keeps it unknown.)
 */
function toParameter(sql: postgres.Sql, v: unknown): unknown {
  if (v instanceof JsonText) return v;
  return v !== null && typeof v === 'object' && !(v instanceof Date) ? sql.typed(v as never, 0) : v;
}

const serializeJson = (x: unknown) => (x instanceof JsonText ? x.text : JSON.stringify(x));

/** postgres.js's own json and jsonb serialisers, except that a JsonText is not serialised again. */
const JSON_TEXT_SERIALIZERS = {
  json: { to: 114, from: [] as number[], serialize: serializeJson, parse: JSON.parse },
  jsonb: { to: 3802, from: [] as number[], serialize: serializeJson, parse: JSON.parse },
};

function statementTimeout(ms: number): Record<string, string> {
  return ms > 0 ? { statement_timeout: String(ms) } : {};
}

/**
 * The pool, replaceable: a query still unsettled long after its deadline sits on a connection
 * whose peer stopped answering (no RST, no reply), and postgres.js would keep that connection
 * forever. Replacing the pool and destroying the old one's sockets keeps that from accumulating.
 */
function recyclingPool(open: () => postgres.Sql) {
  let sql = open();
  return {
    current: () => sql,
    recycleIfStuck(owner: postgres.Sql, query: PromiseLike<unknown>, afterMs: number) {
      let settled = false;
      const mark = () => {
        settled = true;
      };
      query.then(mark, mark);
      const timer = setTimeout(() => {
        if (settled || sql !== owner) return;
        sql = open();
        owner.end({ timeout: 0 }).catch(() => {});
      }, afterMs);
      // A pending check must not keep a finished process alive.
      (timer as { unref?: () => void }).unref?.();
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * Sends PostgreSQL a cancel for a query that ran past its deadline (or drops it from the queue
 * if it never got a connection). postgres.js's own `cancel()` leaves the outcome of the cancel
 * request unhandled, which on a database that is down would be an unhandled rejection.
 */
function cancelQuietly(query: object) {
  const q = query as { canceller?: ((q: object) => Promise<unknown>) | null };
  const cancel = q.canceller;
  if (typeof cancel !== 'function') return;
  q.canceller = null;
  Promise.resolve()
    .then(() => cancel(query))
    .catch(() => {});
}

function toDatabaseError(err: unknown): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const e = err as { code?: string; message?: string; errno?: string };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const network = code !== undefined && NETWORK_ERRORS.has(code);
  const sqlState = network ? undefined : code;
  return new DatabaseError(e?.message ?? 'database call failed', sqlState, network || isUnavailableState(sqlState));
}
