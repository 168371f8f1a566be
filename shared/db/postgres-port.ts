/** @module Data port adapter over postgres.js: local runs, self-hosted deployments and tests. */
import postgres from 'postgres';
import { assertIdentifier, DatabaseError, isUnavailableState, type DataPort, type RpcArgs } from './port.ts';

export interface PostgresPortOptions {
  /** Pool size; the Edge runtime wants few connections per isolate. */
  max?: number;
  /** Seconds to wait for a connection before the call fails as unavailable. */
  connectTimeout?: number;
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

export function createPostgresPort(databaseUrl: string, options: PostgresPortOptions = {}): DataPort {
  const sql = postgres(databaseUrl, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 5,
    idle_timeout: 20,
    onnotice: () => {},
    // Supabase's pooler (transaction mode) cannot keep prepared statements.
    prepare: false,
  });

  return {
    async rpc<T>(name: string, args: RpcArgs = {}): Promise<T> {
      const keys = Object.keys(args).filter((k) => args[k] !== undefined);
      const params = keys.map((k) => {
        const v = args[k];
        return v !== null && typeof v === 'object' && !(v instanceof Date) ? sql.json(v as postgres.JSONValue) : v;
      });
      const call = `select public.${assertIdentifier(name)}(${keys
        .map((k, i) => `${assertIdentifier(k)} => $${i + 1}`)
        .join(', ')}) as result`;
      try {
        const rows = await sql.unsafe(call, params as postgres.ParameterOrJSON<never>[]);
        return rows[0]?.result as T;
      } catch (err) {
        throw toDatabaseError(err);
      }
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

function toDatabaseError(err: unknown): DatabaseError {
  const e = err as { code?: string; message?: string; errno?: string };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const network = code !== undefined && NETWORK_ERRORS.has(code);
  const sqlState = network ? undefined : code;
  return new DatabaseError(e?.message ?? 'database call failed', sqlState, network || isUnavailableState(sqlState));
}
