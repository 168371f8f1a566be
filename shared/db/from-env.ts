/** @module Picks the data port adapter from plain configuration values (entry points pass their environment in). */
import type { DataPort } from './port.ts';
import { createPostgresPort } from './postgres-port.ts';
import { createSupabasePort } from './supabase-port.ts';

export interface DataPortConfig {
  DATABASE_URL?: string;
  SUPABASE_URL?: string;
  SUPABASE_SERVICE_ROLE_KEY?: string;
  /** `supabase` or `postgres`; when unset, supabase-js wins if its settings are present (the production default). */
  DATA_PORT?: string;
}

export function describeDataPort(env: DataPortConfig): 'supabase' | 'postgres' {
  if (env.DATA_PORT === 'postgres' || env.DATA_PORT === 'supabase') return env.DATA_PORT;
  return env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY ? 'supabase' : 'postgres';
}

export function dataPortFromEnv(env: DataPortConfig, options: { maxConnections?: number } = {}): DataPort {
  if (describeDataPort(env) === 'supabase') {
    if (!env.SUPABASE_URL || !env.SUPABASE_SERVICE_ROLE_KEY) {
      throw new Error('DATA_PORT=supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY');
    }
    return createSupabasePort(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY);
  }
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL (or SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY) must be set');
  return createPostgresPort(env.DATABASE_URL, { max: options.maxConnections });
}
