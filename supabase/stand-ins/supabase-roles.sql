-- STAND-IN: what every Supabase database already has before the project's migrations run.
-- Used only where the database is not Supabase's (tests, CI, the embedded default of `npm start`).
-- It recreates just the parts the migrations and the grant tests rely on: the three API roles and
-- Supabase's default privileges, which grant anon and authenticated everything new in `public`
-- (so the migrations' revocations are tested against the same defaults they face in production).
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
