-- The schedule: pg_cron calls the import-worker Edge Function every minute through pg_net, with its
-- URL and shared secret read from Vault (Supabase's documented pattern), and purges expired
-- idempotency keys and import jobs every 5 minutes. Where pg_cron or pg_net is missing (plain
-- PostgreSQL, the embedded default, the tests' main database) this migration only defines the
-- function and schedules nothing.
--
-- Set the secrets once per project:
--   select vault.create_secret('https://<ref>.supabase.co/functions/v1/import-worker', 'import_worker_url');
--   select vault.create_secret('<the WORKER_SECRET of the function>', 'import_worker_secret');

-- PL/pgSQL resolves net.* and vault.* when called, not when created, so this exists everywhere.
create function internal.invoke_import_worker() returns bigint
language plpgsql volatile
set search_path = ''
as $$
declare
  v_url text;
  v_secret text;
begin
  select decrypted_secret into v_url from vault.decrypted_secrets where name = 'import_worker_url';
  select decrypted_secret into v_secret from vault.decrypted_secrets where name = 'import_worker_secret';
  -- Quietly nothing until the project sets the secrets: pg_cron runs this every minute, and a
  -- warning each time would flood the log (`select internal.invoke_import_worker()` returns null then).
  if v_url is null or v_secret is null then
    return null;
  end if;
  return net.http_post(
    url := v_url,
    body := jsonb_build_object('source', 'pg_cron', 'at', now()),
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_secret),
    timeout_milliseconds := 5000
  );
end
$$;

-- pg_cron and pg_net as Supabase's docs create them: pg_cron in pg_catalog (its objects in schema
-- cron), pg_net in extensions (its objects in schema net); never in public (the Security Advisor's
-- extension_in_public). Only where the server can run them: pg_cron must be preloaded and works in
-- the one database named by cron.database_name (on Supabase: postgres).
do $$
declare
  -- shared_preload_libraries is readable only with pg_read_all_settings; a role without it
  -- (Supabase's postgres) just tries, and pg_cron refuses where it cannot run.
  v_cron_preloaded boolean := not pg_has_role('pg_read_all_settings', 'usage')
    or current_setting('shared_preload_libraries') ~ '(^|[\s,])pg_cron($|[\s,])';
begin
  if v_cron_preloaded and exists (select from pg_available_extensions where name = 'pg_cron') then
    begin
      create extension if not exists pg_cron with schema pg_catalog;
    exception
      -- pg_cron raises internal_error when it is not preloaded, raise_exception outside its database.
      when internal_error or raise_exception then
        raise notice 'pg_cron cannot run in this database (%): the import worker is not scheduled here', sqlerrm;
    end;
  end if;
  if exists (select from pg_available_extensions where name = 'pg_net') then
    create schema if not exists extensions;
    create extension if not exists pg_net with schema extensions;
  end if;

  if to_regnamespace('cron') is not null and to_regproc('net.http_post') is not null then
    perform cron.schedule('leadlex-import-worker', '* * * * *', 'select internal.invoke_import_worker()');
    -- Expired idempotency keys and finished import jobs past their retention, a bounded batch
    -- per run (public.retention_purge, 20261202080000_retention.sql).
    perform cron.schedule('leadlex-retention-purge', '*/5 * * * *', 'select public.retention_purge()');
  end if;
end
$$;

select internal.lock_down_public_functions();
