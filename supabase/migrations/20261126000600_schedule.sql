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
  if v_url is null or v_secret is null then
    raise warning 'import worker not scheduled: set the Vault secrets import_worker_url and import_worker_secret';
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

do $$
begin
  -- Both extensions need to be preloaded by the server; only then can they be created here.
  if current_setting('shared_preload_libraries', true) like '%pg_cron%'
     and exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron;
  end if;
  if current_setting('shared_preload_libraries', true) like '%pg_net%'
     and exists (select 1 from pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net;
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
