-- STAND-IN for Supabase Vault, which is not packaged here. Only the documented surface the
-- schedule reads: vault.create_secret(secret, name, description) and the view
-- vault.decrypted_secrets (name, decrypted_secret). Nothing is encrypted. Used only in the
-- pg_cron test's private cluster.
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
