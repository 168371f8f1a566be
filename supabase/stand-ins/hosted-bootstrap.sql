-- STAND-IN: what a hosted Supabase project already has before `supabase db push` runs the
-- migrations, recreated on a plain PostgreSQL cluster for the tests (the Supabase CLI test and the
-- pg_cron test), after supabase-roles.sql. Run ONCE, by the cluster's superuser (on Supabase:
-- supabase_admin), in database `postgres`, on a server started with shared_preload_libraries =
-- 'pg_cron' and cron.database_name = 'postgres' (pg_cron only in database postgres, as on Supabase).
-- Differences from a hosted project: no supautils, whose "privileged extensions" let the
-- non-superuser postgres create untrusted extensions; so the two the project needs are created
-- below instead: pg_cron (on Supabase the migration's own `create extension pg_cron with schema
-- pg_catalog` does it) and plpgsql_check (`supabase db lint` creates it, as postgres, in a
-- transaction it rolls back). Vault does not encrypt; pg_net only queues requests (a test plays its
-- background worker); no auth/storage/realtime schemas.

-- Runs after supabase-roles.sql (the API roles). `postgres` is not a superuser on Supabase: it owns
-- the database, creates roles, and what it creates in public is granted to the API roles.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'postgres') then
    create role postgres login createrole createdb bypassrls;
  end if;
end
$$;
alter database postgres owner to postgres;
alter role postgres set search_path to "$user", public, extensions;
alter default privileges for role postgres in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to anon, authenticated, service_role;

-- Where Supabase installs extensions.
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;

-- pg_cron as Supabase's docs enable it (Integrations → Cron).
create extension if not exists pg_cron with schema pg_catalog;
grant usage on schema cron to postgres;
grant all privileges on all tables in schema cron to postgres;

-- What `supabase db lint` runs (Debian's postgresql-<major>-plpgsql-check).
create extension if not exists plpgsql_check with schema extensions;

-- Vault (STAND-IN, nothing encrypted): the documented surface the schedule reads,
-- vault.create_secret(secret, name, description) and the view vault.decrypted_secrets.
create schema if not exists vault;
create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text unique,
  description text not null default '',
  secret text not null,
  created_at timestamptz not null default now()
);
create or replace view vault.decrypted_secrets as
  select id, name, description, secret, secret as decrypted_secret, created_at from vault.secrets;
create or replace function vault.create_secret(new_secret text, new_name text default null, new_description text default '')
returns uuid
language sql volatile
as $$
  insert into vault.secrets (secret, name, description) values (new_secret, new_name, new_description) returning id
$$;
grant usage on schema vault to postgres;
grant select, insert, update, delete on vault.secrets to postgres;
grant select on vault.decrypted_secrets to postgres;

-- pg_net (STAND-IN): net.http_post with pg_net's signature. Like pg_net it only queues the request
-- and returns its id; pg_net's background worker sends it, here a test that reads the queue.
create schema if not exists net;
create table if not exists net.http_request_queue (
  id bigserial primary key,
  method text not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);
create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language sql volatile
security definer
set search_path = ''
as $$
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id
$$;
grant usage on schema net to postgres;
grant execute on function net.http_post(text, jsonb, jsonb, jsonb, integer) to postgres;
