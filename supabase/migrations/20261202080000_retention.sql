-- Retention: finished import jobs, their row errors (and any payload left) are deleted after a
-- retention period, by the scheduled purge that also removes expired Idempotency-Keys. Every call
-- deletes a bounded batch from each table, so no call is a multi-million-row delete; the caller
-- calls again while `more` is true.
--
-- The retention is 30 days unless the database says otherwise:
--   alter database postgres set leadlex.import_job_retention_days = 90;
-- (read by each new session, pg_cron's included).

-- Finished jobs in the order they expire; the purge reads nothing else.
create index import_jobs_finished_idx on public.import_jobs (finished_at)
  where status in ('completed', 'failed');

create function internal.import_job_retention() returns interval
language sql stable
set search_path = ''
as $$
  select make_interval(days => coalesce(nullif(current_setting('leadlex.import_job_retention_days', true), '')::integer, 30))
$$;

-- Expired jobs: first their row errors (at most p_batch rows, whole jobs' worth where they fit),
-- then the jobs left without errors (at most p_batch). A job's payload goes with it (cascade).
create function internal.import_jobs_purge(p_batch integer) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  v_errors integer;
  v_jobs integer;
begin
  with expired as (
    select id from public.import_jobs
     where status in ('completed', 'failed') and finished_at < now() - internal.import_job_retention()
     order by finished_at limit p_batch
  ), doomed as (
    select e.job_id, e.row_number from expired j
      join public.import_job_errors e on e.job_id = j.id
     limit p_batch
  )
  delete from public.import_job_errors e using doomed d
   where e.job_id = d.job_id and e.row_number = d.row_number;
  get diagnostics v_errors = row_count;

  with expired as (
    select id from public.import_jobs j
     where status in ('completed', 'failed') and finished_at < now() - internal.import_job_retention()
       and not exists (select 1 from public.import_job_errors e where e.job_id = j.id)
     order by finished_at limit p_batch
  )
  delete from public.import_jobs j using expired x where j.id = x.id;
  get diagnostics v_jobs = row_count;
  return jsonb_build_object('import_jobs', v_jobs, 'import_job_errors', v_errors, 'more', v_errors = p_batch or v_jobs = p_batch);
end
$$;

-- The scheduled purge (pg_cron every 5 minutes; the local worker loop likewise, calling again
-- while `more`). Returns what it deleted.
create function public.retention_purge(p_batch integer default 10000) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  keys jsonb := internal.idempotency_purge(p_batch);
  jobs jsonb := internal.import_jobs_purge(p_batch);
begin
  return jsonb_build_object(
    'idempotency_keys', (keys ->> 'purged')::integer,
    'import_jobs', (jobs ->> 'import_jobs')::integer,
    'import_job_errors', (jobs ->> 'import_job_errors')::integer,
    'more', (keys ->> 'purged')::integer = p_batch or (jobs ->> 'more')::boolean);
end
$$;

select internal.lock_down_public_functions();
