-- Imports: the job record, its row errors, and the set-based batch upsert every import path uses.

create table public.import_jobs (
  id               text primary key check (id ~ '^imp_[0-9A-HJKMNP-TV-Z]{26}$'),
  workspace_id     uuid not null references public.workspaces (id) on delete cascade,
  status           text not null check (status in ('queued', 'processing', 'completed', 'failed')),
  source           text not null check (source in ('rows', 'csv')),
  update_existing  boolean not null default false,
  tags             text[] not null default '{}',
  mapping_used     jsonb,
  total_rows       integer check (total_rows >= 0),
  processed_rows   integer not null default 0 check (processed_rows >= 0),
  created_count    integer not null default 0 check (created_count >= 0),
  updated_count    integer not null default 0 check (updated_count >= 0),
  skipped_count    integer not null default 0 check (skipped_count >= 0),
  error_count      integer not null default 0 check (error_count >= 0),
  failure_reason   text,
  created_at       timestamptz not null default now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  check (status <> 'completed' or (total_rows is not null
         and processed_rows = total_rows
         and created_count + updated_count + skipped_count = total_rows))
);
create index import_jobs_workspace_idx on public.import_jobs (workspace_id, created_at desc);

create table public.import_job_errors (
  job_id      text not null references public.import_jobs (id) on delete cascade,
  row_number  integer not null check (row_number >= 1),
  line        integer,
  code        text not null check (code in ('missing_identity', 'invalid_email', 'invalid_phone', 'invalid_field', 'ambiguous_match', 'invalid_row')),
  message     text not null,
  primary key (job_id, row_number)
);

alter table public.import_jobs enable row level security;
alter table public.import_job_errors enable row level security;
revoke all on public.import_jobs, public.import_job_errors from public, anon, authenticated;
grant select, insert, update, delete on public.import_jobs, public.import_job_errors to service_role;

-- Applies the decided actions of the rows staged in _import_rows: with p_only null, every row that
-- does not depend on another (one INSERT for the creates, one UPDATE for the updates); else row
-- p_only alone. Updates overwrite the fields the row supplied (its patch `u`), union tags, merge
-- custom_fields, and recompose full_name when only first or last name changed.
create function internal.import_apply(p_workspace_id uuid, p_only integer default null) returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  insert into public.contacts (
    workspace_id, full_name, first_name, last_name, email, phone, job_title, company,
    related_company_id, linkedin_url, priority, tags, custom_fields, created_date
  )
  select p_workspace_id, r.full_name, r.first_name, r.last_name, r.email, r.phone, r.job_title, r.company,
         r.related_company_id, r.linkedin_url, r.priority, coalesce(r.tags, '{}'),
         coalesce(r.custom_fields, '{}'), coalesce(r.created_date, now())
    from pg_temp._import_rows i
    cross join lateral jsonb_populate_record(null::public.contacts, i.c) r
   where i.action = 'create' and (case when p_only is null then not i.dependent else i.n = p_only end)
   order by i.n;

  update public.contacts t set
    first_name = case when i.u ? 'first_name' then i.u ->> 'first_name' else t.first_name end,
    last_name = case when i.u ? 'last_name' then i.u ->> 'last_name' else t.last_name end,
    full_name = case
      when i.u ? 'full_name' then i.u ->> 'full_name'
      when i.u ? 'first_name' or i.u ? 'last_name' then nullif(concat_ws(' ',
        case when i.u ? 'first_name' then i.u ->> 'first_name' else t.first_name end,
        case when i.u ? 'last_name' then i.u ->> 'last_name' else t.last_name end), '')
      else t.full_name end,
    email = case when i.u ? 'email' then i.u ->> 'email' else t.email end,
    phone = case when i.u ? 'phone' then i.u ->> 'phone' else t.phone end,
    job_title = case when i.u ? 'job_title' then i.u ->> 'job_title' else t.job_title end,
    company = case when i.u ? 'company' then i.u ->> 'company' else t.company end,
    related_company_id = case when i.u ? 'related_company_id' then i.u ->> 'related_company_id' else t.related_company_id end,
    linkedin_url = case when i.u ? 'linkedin_url' then i.u ->> 'linkedin_url' else t.linkedin_url end,
    priority = case when i.u ? 'priority' then (i.u ->> 'priority')::smallint else t.priority end,
    created_date = case when i.u ? 'created_date' then (i.u ->> 'created_date')::timestamptz else t.created_date end,
    tags = case when i.u ? 'tags' then array(
             select s.tag from (
               select distinct on (lower(x.tag)) x.tag, x.pos
                 from unnest(t.tags || array(select jsonb_array_elements_text(i.u -> 'tags'))) with ordinality as x(tag, pos)
                order by lower(x.tag), x.pos) s
              order by s.pos)
           else t.tags end,
    custom_fields = case when i.u ? 'custom_fields' then t.custom_fields || (i.u -> 'custom_fields') else t.custom_fields end,
    updated_at = now()
    from pg_temp._import_rows i
   where i.action = 'update' and (case when p_only is null then not i.dependent else i.n = p_only end)
     and t.id = i.target and t.workspace_id = p_workspace_id;
end
$$;

-- The set-based heart of every import. p_rows is an array of valid, normalised rows
-- `{"n": row_number, "c": contact for insert, "u": patch for update}` (n ascending).
-- Semantics are those of processing the rows one by one in order: match by email first, then
-- phone; an email matching one contact and a phone another is ambiguous_match; with
-- update_existing a match is updated, else skipped; later rows see contacts earlier rows made.
-- Rows whose keys and matched contacts no other row of the batch touches cannot influence each
-- other, so they are decided and written together; only the rest (in-batch duplicates) go one by one.
create function public.import_contacts_batch(p_workspace_id uuid, p_rows jsonb, p_update_existing boolean)
returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  r record;
  v_em uuid;
  v_ph uuid;
  result jsonb;
begin
  perform internal.lock_workspace_contacts(p_workspace_id);

  drop table if exists pg_temp._import_rows;
  -- One statement stages, matches and classifies every row.
  create temp table _import_rows on commit drop as
  with input as (
    select (x ->> 'n')::integer as n, x -> 'c' as c, coalesce(x -> 'u', '{}'::jsonb) as u,
           lower(x -> 'c' ->> 'email') as em, x -> 'c' ->> 'phone' as ph
      from jsonb_array_elements(p_rows) x
  ), matched as (
    select i.*, e.id as em_id, p.id as ph_id
      from input i
      left join public.contacts e on e.workspace_id = p_workspace_id and e.email_normalized = i.em
      left join public.contacts p on p.workspace_id = p_workspace_id and p.phone = i.ph
  ), refs as (
    -- How many rows reach each matched contact, by email or by phone.
    select id, count(*) as k from (
      select n, em_id as id from matched where em_id is not null
      union
      select n, ph_id from matched where ph_id is not null
    ) x group by id
  ), counted as (
    select m.*,
           -- Rows sharing an email, a phone or a matched contact with another row depend on order.
           (m.em is not null and count(*) over (partition by m.em) > 1)
        or (m.ph is not null and count(*) over (partition by m.ph) > 1)
        or coalesce(re.k, 0) > 1 or coalesce(rp.k, 0) > 1
           as dependent
      from matched m
      left join refs re on re.id = m.em_id
      left join refs rp on rp.id = m.ph_id
  )
  select n, c, u, em, ph, em_id, ph_id, dependent,
         case when dependent then null
              when em_id is not null and ph_id is not null and em_id <> ph_id then 'ambiguous'
              when coalesce(em_id, ph_id) is null then 'create'
              when p_update_existing then 'update'
              else 'skip' end as action,
         coalesce(em_id, ph_id) as target,
         case when not dependent and em_id is not null and ph_id is not null and em_id <> ph_id
              then format('email matches contact %s but phone matches contact %s', em_id, ph_id) end as message
    from counted;
  -- Without statistics the planner joins contacts to this table by nested loops.
  analyze pg_temp._import_rows;

  perform internal.import_apply(p_workspace_id);

  for r in select n, em, ph from pg_temp._import_rows where dependent order by n loop
    v_em := null;
    v_ph := null;
    if r.em is not null then
      select id into v_em from public.contacts where workspace_id = p_workspace_id and email_normalized = r.em;
    end if;
    if r.ph is not null then
      select id into v_ph from public.contacts where workspace_id = p_workspace_id and phone = r.ph;
    end if;
    update pg_temp._import_rows set
      em_id = v_em, ph_id = v_ph,
      action = case
        when v_em is not null and v_ph is not null and v_em <> v_ph then 'ambiguous'
        when coalesce(v_em, v_ph) is null then 'create'
        when p_update_existing then 'update'
        else 'skip' end,
      target = coalesce(v_em, v_ph),
      message = case when v_em is not null and v_ph is not null and v_em <> v_ph
        then format('email matches contact %s but phone matches contact %s', v_em, v_ph) end
     where n = r.n;
    perform internal.import_apply(p_workspace_id, r.n);
  end loop;

  select jsonb_build_object(
    'created', count(*) filter (where action = 'create'),
    'updated', count(*) filter (where action = 'update'),
    'skipped', count(*) filter (where action in ('skip', 'ambiguous')),
    'errors', coalesce(jsonb_agg(jsonb_build_object('row_number', n, 'code', 'ambiguous_match', 'message', message) order by n)
                       filter (where action = 'ambiguous'), '[]'::jsonb)
  ) into result
  from pg_temp._import_rows;
  drop table pg_temp._import_rows;
  return result;
end
$$;

-- Row errors of an import, as validation (TypeScript) and matching (SQL) found them.
create function internal.import_record_errors(p_job_id text, p_errors jsonb) returns void
language sql volatile
set search_path = ''
as $$
  insert into public.import_job_errors (job_id, row_number, line, code, message)
  select p_job_id, (e ->> 'row_number')::integer, (e ->> 'line')::integer, e ->> 'code', e ->> 'message'
    from jsonb_array_elements(p_errors) e
$$;

create function public.import_job_json(j public.import_jobs, p_error_limit integer default 100) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'job_id', j.id,
    'status', j.status,
    'source', j.source,
    'total_rows', j.total_rows,
    'processed_rows', j.processed_rows,
    'created_count', j.created_count,
    'updated_count', j.updated_count,
    'skipped_count', j.skipped_count,
    'error_count', j.error_count,
    'errors', coalesce((
      select jsonb_agg(jsonb_strip_nulls(jsonb_build_object('row_number', e.row_number, 'line', e.line, 'code', e.code, 'message', e.message)) order by e.row_number)
        from (select * from public.import_job_errors where job_id = j.id order by row_number limit p_error_limit) e
    ), '[]'::jsonb),
    'errors_truncated', j.error_count > p_error_limit,
    'update_existing', j.update_existing,
    'tags', to_jsonb(j.tags),
    'mapping_used', j.mapping_used,
    'failure_reason', j.failure_reason,
    'created_at', j.created_at,
    'started_at', j.started_at,
    'finished_at', j.finished_at
  )
$$;

-- A synchronous import, whole, in one transaction: the batch upsert, the completed job record,
-- every row error (those found by validation in TypeScript, `p_errors`, plus ambiguous matches)
-- and, with an Idempotency-Key, the stored response: a crash after the contacts are written can
-- never let a retry import them again. Returns the response body.
create function public.import_run_sync(
  p_workspace_id uuid,
  p_job_id text,
  p_rows jsonb,
  p_errors jsonb,
  p_total_rows integer,
  p_update_existing boolean,
  p_source text,
  p_tags jsonb default '[]',
  p_mapping_used jsonb default null,
  p_idempotency jsonb default null
) returns json
language plpgsql volatile
set search_path = ''
as $$
declare
  b jsonb;
  j public.import_jobs;
  all_errors jsonb;
  response json;
begin
  b := public.import_contacts_batch(p_workspace_id, p_rows, p_update_existing);
  all_errors := coalesce(p_errors, '[]'::jsonb) || (b -> 'errors');
  insert into public.import_jobs (
    id, workspace_id, status, source, update_existing, tags, mapping_used, total_rows, processed_rows,
    created_count, updated_count, skipped_count, error_count, started_at, finished_at
  ) values (
    p_job_id, p_workspace_id, 'completed', p_source, p_update_existing,
    array(select jsonb_array_elements_text(coalesce(p_tags, '[]'::jsonb))), p_mapping_used,
    p_total_rows, p_total_rows,
    (b ->> 'created')::integer, (b ->> 'updated')::integer,
    (b ->> 'skipped')::integer + jsonb_array_length(coalesce(p_errors, '[]'::jsonb)),
    jsonb_array_length(all_errors), now(), now()
  ) returning * into j;
  perform internal.import_record_errors(p_job_id, all_errors);

  -- json, not jsonb: keys stay in the published order.
  response := json_build_object('data', json_strip_nulls(json_build_object(
    'job_id', j.id,
    'status', j.status,
    'total_rows', j.total_rows,
    'created_count', j.created_count,
    'updated_count', j.updated_count,
    'skipped_count', j.skipped_count,
    'errors', (select coalesce(json_agg(json_strip_nulls(json_build_object(
                 'row_number', e.row_number, 'line', e.line, 'code', e.code, 'message', e.message)) order by e.row_number), '[]'::json)
                 from public.import_job_errors e where e.job_id = j.id),
    'mapping_used', j.mapping_used
  )));
  if p_idempotency is not null then
    perform public.idempotency_complete(p_workspace_id, p_idempotency ->> 'key', p_idempotency ->> 'fingerprint', 200, response::text);
  end if;
  return response;
end
$$;

create function public.import_job_get(p_workspace_id uuid, p_job_id text) returns jsonb
language sql stable
set search_path = ''
as $$
  select public.import_job_json(j) from public.import_jobs j
   where j.workspace_id = p_workspace_id and j.id = p_job_id
$$;

select internal.lock_down_public_functions();
