import { describe, expect, it } from 'vitest';
import { describeDataPort, postgresUrlFrom, serverKeysFrom, serviceKeyFrom } from '../../shared/db/from-env.ts';
import { parseOrigins } from '../../shared/http/cors.ts';

/** What Supabase provides inside every Edge Function (its documented default secrets). */
const HOSTED = {
  SUPABASE_URL: 'https://abcdefghijklmnopqrst.supabase.co',
  SUPABASE_SERVICE_ROLE_KEY: 'eyJ-legacy-service-role',
  SUPABASE_SECRET_KEYS: '{"default":"sb_secret_default","ci":"sb_secret_ci"}',
  SUPABASE_DB_URL: 'postgresql://postgres:pw@db.abcdefghijklmnopqrst.supabase.co:5432/postgres',
};

describe('the data port switch', () => {
  it('on Supabase: the gateway uses supabase-js, the worker the direct connection', () => {
    expect(describeDataPort(HOSTED)).toBe('supabase');
    expect(describeDataPort(HOSTED, { preferDirect: true })).toBe('postgres');
    expect(postgresUrlFrom(HOSTED)).toBe(HOSTED.SUPABASE_DB_URL);
  });

  it('DATA_PORT decides for both functions', () => {
    expect(describeDataPort({ ...HOSTED, DATA_PORT: 'postgres' })).toBe('postgres');
    expect(describeDataPort({ ...HOSTED, DATA_PORT: 'supabase' }, { preferDirect: true })).toBe('supabase');
    expect(() => describeDataPort({ ...HOSTED, DATA_PORT: 'pg' })).toThrow(/DATA_PORT/);
  });

  it('locally: DATABASE_URL alone is postgres.js, and wins over SUPABASE_DB_URL', () => {
    expect(describeDataPort({ DATABASE_URL: 'postgres://local/db' })).toBe('postgres');
    expect(postgresUrlFrom({ DATABASE_URL: 'postgres://local/db', SUPABASE_DB_URL: 'postgres://other/db' })).toBe(
      'postgres://local/db',
    );
    expect(describeDataPort({ SUPABASE_URL: 'http://127.0.0.1:1', DATABASE_URL: 'postgres://local/db' })).toBe(
      'postgres',
    );
  });

  it('prefers the default secret key, then the legacy service_role key', () => {
    expect(serviceKeyFrom(HOSTED)).toBe('sb_secret_default');
    expect(serviceKeyFrom({ SUPABASE_SERVICE_ROLE_KEY: 'legacy' })).toBe('legacy');
    expect(serviceKeyFrom({ SUPABASE_SECRET_KEYS: 'not json', SUPABASE_SERVICE_ROLE_KEY: 'legacy' })).toBe('legacy');
    expect(serverKeysFrom(HOSTED)).toEqual(['sb_secret_default', 'sb_secret_ci', 'eyJ-legacy-service-role']);
    expect(describeDataPort({ SUPABASE_URL: HOSTED.SUPABASE_URL, SUPABASE_SECRET_KEYS: HOSTED.SUPABASE_SECRET_KEYS }))
      .toBe('supabase');
  });
});

describe('CORS_ORIGINS', () => {
  it('is a comma-separated list of exact origins, none by default', () => {
    expect(parseOrigins(undefined)).toEqual([]);
    expect(parseOrigins(' https://a.example.com/, ,http://localhost:5173 ')).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
  });
});
