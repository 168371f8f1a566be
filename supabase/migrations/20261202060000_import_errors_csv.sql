-- Row errors of one job after a given row number, for GET /v1/import/jobs/{job_id}/errors.csv.
-- Keyset paging on the primary key (job_id, row_number): every page is one index range scan, so
-- the last page of a job with millions of errors costs what the first does (OFFSET would not).
-- Null when the job is not the workspace's; rows as [row_number, line, code, message] arrays.
create function public.import_job_errors_after(p_workspace_id uuid, p_job_id text, p_after_row integer, p_limit integer)
returns jsonb
language sql stable
set search_path = ''
as $$
  select case when j.id is null then null else coalesce((
      select jsonb_agg(jsonb_build_array(e.row_number, e.line, e.code, e.message) order by e.row_number)
        from (select row_number, line, code, message from public.import_job_errors
               where job_id = j.id and row_number > p_after_row
               order by row_number
               limit least(greatest(p_limit, 1), 5000)) e), '[]'::jsonb) end
  from (select null) x
  left join public.import_jobs j on j.workspace_id = p_workspace_id and j.id = p_job_id
$$;

select internal.lock_down_public_functions();
