/** @module Picks the data port adapter from plain configuration values (entry points pass their environment in). */
import type { DataPort } from './port.ts';
import { createPostgresPort } from './postgres-port.ts';
import { createSupabasePort } from './supabase-port.ts';

export interface DataPortConfig {
  /** The one switch: `supabase` (supabase-js `.rpc()`) or `postgres` (postgres.js); unset picks per caller (see describeDataPort). */
  DATA_PORT?: string;
  DATABASE_URL?: string;
  SUPABASE_URL?: string;
  /** Legacy service_role key (Supabase still provides it inside Edge Functions). */
  SUPABASE_SERVICE_ROLE_KEY?: string;
  /** The newer secret keys, a JSON object such as `{"default":"sb_secret_…"}` (provided inside Edge Functions). */
  SUPABASE_SECRET_KEYS?: string;
  /** A direct PostgreSQL connection, provided inside Edge Functions. */
  SUPABASE_DB_URL?: string;
}

export interface DataPortChoice {
  /** The import worker moves whole chunks per call, so it takes the direct connection when one is provided. */
  preferDirect?: boolean;
}

/** The key supabase-js uses: the `default` secret key, else the legacy service_role key. */
export function serviceKeyFrom(env: DataPortConfig): string | undefined {
  return secretKeysFrom(env).default ?? env.SUPABASE_SERVICE_ROLE_KEY ?? undefined;
}

/** Every server-side key Supabase provides (the worker accepts any of them as its bearer token). */
export function serverKeysFrom(env: DataPortConfig): string[] {
  return [...Object.values(secretKeysFrom(env)), env.SUPABASE_SERVICE_ROLE_KEY ?? ''].filter((k) => k !== '');
}

function secretKeysFrom(env: DataPortConfig): Record<string, string> {
  if (!env.SUPABASE_SECRET_KEYS) return {};
  try {
    const parsed: unknown = JSON.parse(env.SUPABASE_SECRET_KEYS);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
    );
  } catch {
    return {};
  }
}

/** The PostgreSQL URL postgres.js uses: DATABASE_URL, else Supabase's SUPABASE_DB_URL. */
export function postgresUrlFrom(env: DataPortConfig): string | undefined {
  return env.DATABASE_URL || env.SUPABASE_DB_URL || undefined;
}

export function describeDataPort(env: DataPortConfig, choice: DataPortChoice = {}): 'supabase' | 'postgres' {
  if (env.DATA_PORT === 'postgres' || env.DATA_PORT === 'supabase') return env.DATA_PORT;
  if (env.DATA_PORT) throw new Error(`DATA_PORT must be "supabase" or "postgres", not "${env.DATA_PORT}"`);
  if (choice.preferDirect && postgresUrlFrom(env)) return 'postgres';
  return env.SUPABASE_URL && serviceKeyFrom(env) ? 'supabase' : 'postgres';
}

export function dataPortFromEnv(
  env: DataPortConfig,
  options: DataPortChoice & { maxConnections?: number } = {},
): DataPort {
  if (describeDataPort(env, options) === 'supabase') {
    const key = serviceKeyFrom(env);
    if (!env.SUPABASE_URL || !key) {
      throw new Error('DATA_PORT=supabase needs SUPABASE_URL and SUPABASE_SECRET_KEYS or SUPABASE_SERVICE_ROLE_KEY');
    }
    return createSupabasePort(env.SUPABASE_URL, key);
  }
  const url = postgresUrlFrom(env);
  if (!url) throw new Error('DATABASE_URL or SUPABASE_DB_URL (or SUPABASE_URL and a service key) must be set');
  return createPostgresPort(url, { max: options.maxConnections });
}
