-- Imports: the job record, its row errors, and the set-based batch upsert every import path uses.

create table public.import_jobs (
  id               text primary key check (id ~ '^imp_[0-9A-HJKMNP-TV-Z]{26}$'),
  workspace_id     uuid not null references public.workspaces (id) on delete cascade,
  status           text not null check (status in ('queued', 'processing', 'completed', 'failed')),
  source           text not null check (source in ('rows', 'csv')),
  update_existing  boolean not null default false,
  tags             text[] not null default '{}',
  -- json, not jsonb: the columns are listed in the order of the file.
  mapping_used     json,
  unmapped_columns jsonb,
  preamble_lines_skipped integer,
  total_rows       integer check (total_rows >= 0),
  processed_rows   integer not null default 0 check (processed_rows >= 0),
  created_count    integer not null default 0 check (created_count >= 0),
  updated_count    integer not null default 0 check (updated_count >= 0),
  skipped_count    integer not null default 0 check (skipped_count >= 0),
  error_count      integer not null default 0 check (error_count >= 0),
  -- Every row error by code, the ones past the stored cap included.
  error_counts     jsonb not null default '{}' check (jsonb_typeof(error_counts) = 'object'),
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

-- The size of a jsonb value as compact JSON (no spaces), the form the API measures custom_fields
-- in: jsonb's text form adds one space after every ':' and ','; those are counted and taken off.
create function internal.jsonb_compact_size(j jsonb) returns integer
language sql immutable
set search_path = ''
as $$
  select (octet_length(j::text) - coalesce(sum(case jsonb_typeof(v)
           when 'object' then greatest(2 * (select count(*) from jsonb_object_keys(v)) - 1, 0)
           when 'array' then greatest(jsonb_array_length(v) - 1, 0)
           else 0 end), 0))::integer
    from jsonb_path_query(j, 'strict $.**') v
$$;

-- The one place that applies import rows' patches to contacts (p_ids[i] gets p_patches[i]; the
-- workspace lock and the matching are the caller's). A patch's fields overwrite (the contact's
-- row type says which fields there are, so a new field needs no change here but the column list
-- of the update), tags are unioned (first spelling kept), custom_fields merged, and full_name
-- recomposed when only first or last name changed.
-- A patch that would break the contact limits (50 tags, 16 KiB of custom_fields: the limits a
-- created contact meets, MAX in shared/contacts/fields.ts) is not applied: its contact is
-- returned with the reason, so no sequence of merges can grow a contact without bound.
-- Set-based: one statement for the whole batch, every contact reached by primary key.
create function internal.contacts_patch(p_workspace_id uuid, p_ids uuid[], p_patches jsonb[])
returns table (contact_id uuid, problem text)
language sql volatile
set search_path = ''
as $$
  with patched as materialized (
    select t.id, x.u, jsonb_populate_record(t, x.u || jsonb_build_object(
               'full_name', case
                 when x.u ? 'full_name' then x.u -> 'full_name'
                 when x.u ? 'first_name' or x.u ? 'last_name' then to_jsonb(nullif(concat_ws(' ',
                   case when x.u ? 'first_name' then x.u ->> 'first_name' else t.first_name end,
                   case when x.u ? 'last_name' then x.u ->> 'last_name' else t.last_name end), ''))
                 else to_jsonb(t.full_name) end,
               'tags', case when x.u ? 'tags' then to_jsonb(array(
                   select s.tag from (
                     select distinct on (lower(y.tag)) y.tag, y.pos
                       from unnest(t.tags || array(select jsonb_array_elements_text(x.u -> 'tags'))) with ordinality as y(tag, pos)
                      order by lower(y.tag), y.pos) s
                    order by s.pos))
                 else to_jsonb(t.tags) end,
               'custom_fields', case when x.u ? 'custom_fields' then t.custom_fields || (x.u -> 'custom_fields') else t.custom_fields end,
               'updated_at', now())) as p
      from unnest(p_ids, p_patches) as x(id, u)
      join public.contacts t on t.id = x.id
  ), checked as materialized (
    select id, p, case
             -- The callers found these ids by this workspace's keys; checked on the fetched row (a
             -- workspace_id predicate in the join could let stale statistics pick a workspace scan),
             -- so no caller's mistake can ever write another tenant's contact.
             when (p).workspace_id is distinct from p_workspace_id then
               format('contact %s is not in this workspace', id)
             when u ? 'tags' and cardinality((p).tags) > 50 then
               format('tags: merging them into contact %s would give it %s tags; at most 50 are allowed', id, cardinality((p).tags))
             -- The text form is never shorter than the compact one: measure exactly only near the limit.
             when u ? 'custom_fields' and octet_length((p).custom_fields::text) > 16384
                  and internal.jsonb_compact_size((p).custom_fields) > 16384 then
               format('custom_fields: merging them into contact %s would make them %s bytes as JSON; at most 16384 are allowed',
                      id, internal.jsonb_compact_size((p).custom_fields))
           end as problem
      from patched
  ), written as (
    -- By id alone t is a primary-key lookup (the ids were found by this workspace's keys), where a
    -- workspace_id predicate would let stale statistics choose a scan of the workspace.
    update public.contacts t set (
      full_name, first_name, last_name, email, phone, job_title, company, related_company_id,
      linkedin_url, priority, created_date, tags, custom_fields, updated_at
    ) = (
      (c.p).full_name, (c.p).first_name, (c.p).last_name, (c.p).email, (c.p).phone, (c.p).job_title, (c.p).company,
      (c.p).related_company_id, (c.p).linkedin_url, (c.p).priority, (c.p).created_date, (c.p).tags, (c.p).custom_fields,
      (c.p).updated_at
    )
      from checked c
     where c.problem is null and t.id = c.id
    returning 1
  )
  select id, problem from checked where problem is not null
$$;

-- The JSON shape of a row error wherever one is shown (json, not jsonb: keys in the published
-- order); absent line (JSON rows) left out.
create function internal.row_error_json(p_row_number integer, p_line integer, p_code text, p_message text) returns json
language sql immutable
set search_path = ''
as $$
  select json_strip_nulls(json_build_object('row_number', p_row_number, 'line', p_line, 'code', p_code, 'message', p_message))
$$;

-- One row of an import whose outcome depends on rows before it: matched against the table as it
-- is now (earlier rows included), then created, updated, skipped or found ambiguous.
create function internal.import_one(p_workspace_id uuid, p_row jsonb, p_update_existing boolean) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  v_em uuid;
  v_ph uuid;
  v_problem text;
begin
  -- Keyed probes (the key carries the workspace; see contacts_workspace_email_key).
  if p_row ? 'email' then
    select id into v_em from public.contacts
     where ((workspace_id::text || ':' || email_normalized) collate "C") = p_workspace_id::text || ':' || lower(p_row ->> 'email');
  end if;
  if p_row ? 'phone' then
    select id into v_ph from public.contacts
     where ((workspace_id::text || ':' || phone) collate "C") = p_workspace_id::text || ':' || (p_row ->> 'phone');
  end if;
  if v_em is not null and v_ph is not null and v_em <> v_ph then
    return jsonb_build_object('action', 'ambiguous',
      'message', format('email matches contact %s but phone matches contact %s', v_em, v_ph));
  end if;
  if coalesce(v_em, v_ph) is null then
    perform internal.contacts_insert(p_workspace_id, jsonb_build_array(p_row)::json);
    return jsonb_build_object('action', 'create');
  end if;
  if not p_update_existing then
    return jsonb_build_object('action', 'skip');
  end if;
  select problem into v_problem
    from internal.contacts_patch(p_workspace_id, array[coalesce(v_em, v_ph)], array[coalesce(p_row -> 'u', '{}'::jsonb)]);
  if v_problem is not null then
    return jsonb_build_object('action', 'invalid', 'code', 'invalid_field', 'message', v_problem);
  end if;
  return jsonb_build_object('action', 'update');
end
$$;

-- The decision of import_contacts_batch for every row of a batch, in one statement: rows that
-- depend on others (in-batch duplicates, to go one by one), ambiguous ones (as row errors, with
-- the skipped), the contacts to create, and the contacts to update with their rows' positions
-- and patches.
create function internal.import_batch_decide(
  p_workspace_id uuid, p_rows jsonb, p_update_existing boolean,
  out skipped integer, out errors jsonb, out dependent integer[], out all_new boolean, out new_contacts json,
  out update_ids uuid[], out update_pos integer[], out patches jsonb[]
)
language plpgsql stable
set search_path = ''
as $$
declare
  v_create integer[];
begin
  -- Only the matching keys travel through the joins and window sorts; each row's contact and
  -- patch are read from p_rows by position where they are needed.
  with input as (
    -- Matching keys carry the workspace (see contacts_workspace_email_key): null without the field.
    select x.pos::integer as pos, (x.r ->> 'n')::integer as n,
           (p_workspace_id::text || ':' || lower(x.r ->> 'email')) collate "C" as em,
           (p_workspace_id::text || ':' || (x.r ->> 'phone')) collate "C" as ph
      from jsonb_array_elements(p_rows) with ordinality as x(r, pos)
  ), matched as (
    -- One unique-index probe per key: a hash join would read every contact of the workspace per
    -- batch, and a workspace_id predicate here would let stale statistics pick a workspace scan.
    select i.*,
           (select e.id from public.contacts e where ((e.workspace_id::text || ':' || e.email_normalized) collate "C") = i.em) as em_id,
           (select p.id from public.contacts p where ((p.workspace_id::text || ':' || p.phone) collate "C") = i.ph) as ph_id
      from input i
  ), refs as (
    -- How many rows reach each matched contact, by email or by phone.
    select id, count(*) as k from (
      select n, em_id as id from matched where em_id is not null
      union
      select n, ph_id from matched where ph_id is not null
    ) x group by id
  ), decided as (
    select m.pos, m.n, m.em_id, m.ph_id,
           case
             -- Rows sharing an email, a phone or a matched contact with another row depend on order.
             when (m.em is not null and count(*) over (partition by m.em) > 1)
               or (m.ph is not null and count(*) over (partition by m.ph) > 1)
               or coalesce(re.k, 0) > 1 or coalesce(rp.k, 0) > 1 then 'dependent'
             when m.em_id is not null and m.ph_id is not null and m.em_id <> m.ph_id then 'ambiguous'
             when coalesce(m.em_id, m.ph_id) is null then 'create'
             when p_update_existing then 'update'
             else 'skip' end as action
      from matched m
      left join refs re on re.id = m.em_id
      left join refs rp on rp.id = m.ph_id
  )
  select count(*) filter (where action in ('skip', 'ambiguous')),
         coalesce(jsonb_agg(internal.row_error_json(n, (p_rows -> (pos - 1) ->> 'l')::integer, 'ambiguous_match',
                    format('email matches contact %s but phone matches contact %s', em_id, ph_id))::jsonb order by n)
                  filter (where action = 'ambiguous'), '[]'::jsonb),
         coalesce(array_agg(pos order by pos) filter (where action = 'dependent'), '{}'),
         array_agg(pos order by pos) filter (where action = 'create'),
         array_agg(coalesce(em_id, ph_id) order by pos) filter (where action = 'update'),
         array_agg(pos order by pos) filter (where action = 'update'),
         array_agg(coalesce(p_rows -> (pos - 1) -> 'u', '{}'::jsonb) order by pos) filter (where action = 'update')
    into skipped, errors, dependent, v_create, update_ids, update_pos, patches
    from decided;

  -- Every row new (the usual import): the rows are the contacts (contacts_insert reads the contact
  -- fields of each and ignores n, l and u), and the caller inserts the batch as it came.
  all_new := cardinality(v_create) = jsonb_array_length(p_rows);
  if v_create is not null and not all_new then
    select json_agg(p_rows -> (c.pos - 1) order by c.ord) into new_contacts
      from unnest(v_create) with ordinality as c(pos, ord);
  end if;
end
$$;

-- Whether the first email or phone a batch spells already names a contact of the workspace: a look
-- before the whole-insert attempt, which such a key would only undo (a re-import's batch, whose
-- first row is known: the attempt read and populated all 500 rows before its first insert failed,
-- ~1.8 of ~9.6 ms). It finds the first `"email"` and `"phone"` keys in the JSON text instead of
-- parsing it: a misread (such a key in custom_fields, an escaped quote) changes only which path
-- runs, never the outcome. json has no cast to text but through its output function, a copy of the
-- whole batch: made once here (as a SQL function's expression it was made for each use, four
-- copies of a 4,000-row chunk's ~540 KB, 3-5 ms of every chunk; now ~0.7 ms within a job).
create function internal.import_batch_first_key_known(p_workspace_id uuid, p_rows json) returns boolean
language plpgsql stable
set search_path = ''
as $$
declare
  s constant text := p_rows::text;
  em constant text := substring(substr(s, nullif(position('"email"' in s), 0) + 7, 420) from '^\s*:\s*"([^"]*)"');
  ph constant text := substring(substr(s, nullif(position('"phone"' in s), 0) + 7, 80) from '^\s*:\s*"([^"]*)"');
begin
  return exists (select 1 from public.contacts
                  where ((workspace_id::text || ':' || email_normalized) collate "C") = p_workspace_id::text || ':' || lower(em))
      or exists (select 1 from public.contacts
                  where ((workspace_id::text || ':' || phone) collate "C") = p_workspace_id::text || ':' || ph);
end
$$;

-- The set-based heart of every import. p_rows is an array of valid, normalised rows (n ascending):
-- each is the contact to insert, its fields as keys (absent when not supplied), plus "n" (its
-- row_number), "l" (CSV: its line) and "u" (with p_update_existing: the patch to update with).
-- contacts has no column n, l or u, so a row is passed to contacts_insert as it is.
-- Semantics are those of processing the rows one by one in order: match by email first, then
-- phone; an email matching one contact and a phone another is ambiguous_match; with
-- update_existing a match is updated, else skipped; later rows see contacts earlier rows made.
-- Rows whose keys and matched contacts no other row of the batch touches cannot influence each
-- other, so they are decided by one statement and written by one insert and one update; only the
-- rest (in-batch duplicates) go one by one, in order, afterwards.
--
-- Most batches are all new people. With p_try_insert the batch is first inserted whole, without
-- matching (unless the first email or phone it spells is known: import_batch_first_key_known): if
-- no key names a contact yet, that is the whole outcome; if one does, or two rows share a key, a
-- unique index refuses the insert, the attempt (a subtransaction) leaves nothing, and the batch is
-- matched as above. That spares the per-row probes of a new batch, about a fifth of its time in the
-- database (measured on a 1.2M-contact table: 500 rows 13.2-13.4 → 10.1-10.7 ms, 4,000 rows
-- 92-114 → 75-94 ms), and a failed attempt costs at most the insert it undid. Callers set
-- p_try_insert when no two rows of the batch share a key (they built the keys; telling that in SQL
-- cost ~6 ms per 4,000 rows), so the attempt is not spent on an in-batch duplicate; should they
-- misjudge a key the unique index compares otherwise (a lower() of another locale, say), the
-- outcome is the same either way. p_parsed (a worker chunk's): the records of p_rows already read,
-- used by the whole insert only (see contacts_insert).
create function internal.import_contacts_batch(
  p_workspace_id uuid, p_rows json, p_update_existing boolean, p_try_insert boolean default false,
  p_parsed public.contacts[] default null
)
returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  -- Matching reads rows by position, which json cannot do without parsing again: parsed once, here,
  -- and only when the batch is matched.
  v_rows jsonb;
  d record;
  v_created integer := 0;
  v_updated integer := 0;
  v_skipped integer;
  v_errors jsonb;
  v_pos integer;
  v_row jsonb;
  v_out jsonb;
begin
  perform internal.lock_workspace_contacts(p_workspace_id);

  if p_try_insert and not internal.import_batch_first_key_known(p_workspace_id, p_rows) then
    begin
      select count(*) into v_created from internal.contacts_insert(p_workspace_id, p_rows, p_parsed);
      return jsonb_build_object('created', v_created, 'updated', 0, 'skipped', 0, 'errors', '[]'::jsonb);
    exception when unique_violation then
      null; -- Some key already names a contact (or another row's); the attempt is undone.
    end;
  end if;

  v_rows := p_rows::jsonb;
  d := internal.import_batch_decide(p_workspace_id, v_rows, p_update_existing);
  v_skipped := d.skipped;
  v_errors := d.errors;
  if d.all_new or d.new_contacts is not null then
    select count(*) into v_created
      from internal.contacts_insert(p_workspace_id, case when d.all_new then p_rows else d.new_contacts end);
  end if;
  if d.update_ids is not null then
    -- An update that would break the contact limits becomes a row error instead. Each contact
    -- here is reached by one row only (others are dependent), so its id names the row.
    select coalesce(jsonb_agg(internal.row_error_json((v_rows -> (u.pos - 1) ->> 'n')::integer,
                      (v_rows -> (u.pos - 1) ->> 'l')::integer, 'invalid_field', x.problem)::jsonb), '[]'::jsonb)
      into v_out
      from internal.contacts_patch(p_workspace_id, d.update_ids, d.patches) x
      join unnest(d.update_ids, d.update_pos) as u(id, pos) on u.id = x.contact_id;
    v_updated := cardinality(d.update_ids) - jsonb_array_length(v_out);
    v_skipped := v_skipped + jsonb_array_length(v_out);
    v_errors := v_errors || v_out;
  end if;

  foreach v_pos in array d.dependent loop
    v_row := v_rows -> (v_pos - 1);
    v_out := internal.import_one(p_workspace_id, v_row, p_update_existing);
    case v_out ->> 'action'
      when 'create' then v_created := v_created + 1;
      when 'update' then v_updated := v_updated + 1;
      when 'skip' then v_skipped := v_skipped + 1;
      else
        v_skipped := v_skipped + 1;
        v_errors := v_errors || jsonb_build_array(internal.row_error_json((v_row ->> 'n')::integer, (v_row ->> 'l')::integer,
          coalesce(v_out ->> 'code', 'ambiguous_match'), v_out ->> 'message')::jsonb);
    end case;
  end loop;

  -- Errors come from three places (ambiguous, over the limits, dependent rows): keep them by row.
  if jsonb_array_length(v_errors) > 1 then
    select jsonb_agg(e order by (e ->> 'row_number')::integer) into v_errors from jsonb_array_elements(v_errors) e;
  end if;
  return jsonb_build_object('created', v_created, 'updated', v_updated, 'skipped', v_skipped, 'errors', v_errors);
end
$$;

-- How many row errors a job keeps (the first, by row number); the rest are only counted, by code.
-- A million invalid rows cost a million counts, not a million stored rows.
create function internal.import_error_cap() returns integer
language sql immutable
set search_path = ''
as $$ select 10000 $$;

-- Row errors of an import, as validation (TypeScript) and matching (SQL) found them: counted by
-- code on the job, and stored while the job has fewer than import_error_cap().
create function internal.import_record_errors(p_job_id text, p_errors jsonb) returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_room integer;
begin
  if jsonb_array_length(p_errors) = 0 then
    return;
  end if;
  update public.import_jobs j set error_counts = (
    select jsonb_object_agg(c.code, c.n) from (
      select x.code, sum(x.n)::integer as n from (
        select key as code, value::integer as n from jsonb_each_text(j.error_counts)
        union all
        select e ->> 'code', count(*) from jsonb_array_elements(p_errors) e group by 1
      ) x group by x.code) c)
   where j.id = p_job_id;
  select internal.import_error_cap() - count(*) into v_room
    from (select 1 from public.import_job_errors where job_id = p_job_id limit internal.import_error_cap()) stored;
  if v_room > 0 then
    insert into public.import_job_errors (job_id, row_number, line, code, message)
    select p_job_id, (e ->> 'row_number')::integer, (e ->> 'line')::integer, e ->> 'code', e ->> 'message'
      from jsonb_array_elements(p_errors) e
     order by (e ->> 'row_number')::integer
     limit v_room;
  end if;
end
$$;

-- Whether a job's next batch is tried as a whole insert first (import_contacts_batch's
-- p_try_insert): its rows share no key (p_keys_distinct), and the job's rows so far were all
-- created (or invalid), so it is likely new people throughout. Once a row has matched, later
-- batches go straight to matching, so a re-import undoes at most one attempt.
create function internal.import_job_inserts_whole(j public.import_jobs, p_keys_distinct boolean) returns boolean
language sql immutable
set search_path = ''
as $$ select p_keys_distinct and j.updated_count = 0 and j.skipped_count = j.error_count $$;

-- Books one batch of a job's rows on the job, the one place for the counters: the batch upsert
-- (workspace and update_existing from the job), its row errors and those validation found
-- (`p_errors`, counted as skipped), and p_rows_read more processed rows. p_keys_distinct: the caller
-- found no two of p_rows sharing an email or phone key. p_parsed: see import_contacts_batch.
-- Returns the job as it is now.
create function internal.import_job_apply(
  j public.import_jobs, p_rows json, p_errors jsonb, p_rows_read integer, p_keys_distinct boolean,
  p_parsed public.contacts[] default null
)
returns public.import_jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  b jsonb := internal.import_contacts_batch(j.workspace_id, coalesce(p_rows, '[]'::json), j.update_existing,
                                            internal.import_job_inserts_whole(j, p_keys_distinct), p_parsed);
  all_errors jsonb := coalesce(p_errors, '[]'::jsonb) || (b -> 'errors');
begin
  perform internal.import_record_errors(j.id, all_errors);
  update public.import_jobs set
    processed_rows = processed_rows + p_rows_read,
    created_count = created_count + (b ->> 'created')::integer,
    updated_count = updated_count + (b ->> 'updated')::integer,
    skipped_count = skipped_count + (b ->> 'skipped')::integer + jsonb_array_length(coalesce(p_errors, '[]'::jsonb)),
    error_count = error_count + jsonb_array_length(all_errors)
   where id = j.id
  returning * into j;
  return j;
end
$$;

-- mapping_used arrives as [column, field] pairs (a jsonb array keeps their order) and is kept as a
-- json object in that order.
create function internal.csv_mapping_json(p_pairs jsonb) returns json
language sql immutable
set search_path = ''
as $$
  select json_object_agg(e ->> 0, e ->> 1 order by n)
    from jsonb_array_elements(case when jsonb_typeof(p_pairs) = 'array' then p_pairs else '[]'::jsonb end)
         with ordinality as t(e, n)
$$;

-- json, not jsonb: keys (and the columns of mapping_used) stay in the published order.
create function internal.import_job_json(j public.import_jobs, p_error_limit integer default 100) returns json
language sql stable
set search_path = ''
as $$
  select json_build_object(
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
      select json_agg(internal.row_error_json(e.row_number, e.line, e.code, e.message) order by e.row_number)
        from (select * from public.import_job_errors where job_id = j.id order by row_number limit p_error_limit) e
    ), '[]'::json),
    'errors_truncated', j.error_count > p_error_limit,
    'errors_stored', least(j.error_count, internal.import_error_cap()),
    'error_counts', j.error_counts,
    'update_existing', j.update_existing,
    'tags', to_json(j.tags),
    'mapping_used', j.mapping_used,
    'unmapped_columns', j.unmapped_columns,
    'preamble_lines_skipped', j.preamble_lines_skipped,
    'failure_reason', j.failure_reason,
    'created_at', j.created_at,
    'started_at', j.started_at,
    'finished_at', j.finished_at
  )
$$;

-- A synchronous import, whole, in one transaction: the batch upsert, the completed job record,
-- every row error (those found by validation in TypeScript, `p_errors`, plus ambiguous matches)
-- and, with an Idempotency-Key, the stored response: a crash after the contacts are written can
-- never let a retry import them again. p_keys_distinct: no two of p_rows share an email or phone
-- key (see import_contacts_batch). Returns the response body.
create function public.import_run_sync(
  p_workspace_id uuid,
  p_job_id text,
  p_rows json,
  p_errors jsonb,
  p_total_rows integer,
  p_update_existing boolean,
  p_source text,
  p_tags jsonb default '[]',
  p_mapping_used jsonb default null,
  p_unmapped_columns jsonb default null,
  p_preamble_lines_skipped integer default null,
  p_idempotency jsonb default null,
  p_keys_distinct boolean default false
) returns json
language plpgsql volatile
set search_path = ''
as $$
declare
  j public.import_jobs;
  response json;
begin
  perform internal.idempotency_hold(p_workspace_id, p_idempotency);
  insert into public.import_jobs (
    id, workspace_id, status, source, update_existing, tags, mapping_used, unmapped_columns, preamble_lines_skipped,
    total_rows, started_at
  ) values (
    p_job_id, p_workspace_id, 'processing', p_source, p_update_existing,
    array(select jsonb_array_elements_text(coalesce(p_tags, '[]'::jsonb))),
    internal.csv_mapping_json(p_mapping_used), p_unmapped_columns, p_preamble_lines_skipped,
    p_total_rows, now()
  ) returning * into j;
  j := internal.import_job_apply(j, p_rows, p_errors, p_total_rows, p_keys_distinct);
  update public.import_jobs set status = 'completed', finished_at = now() where id = p_job_id
  returning * into j;

  -- json, not jsonb: keys stay in the published order.
  response := json_build_object('data', json_strip_nulls(json_build_object(
    'job_id', j.id,
    'status', j.status,
    'total_rows', j.total_rows,
    'created_count', j.created_count,
    'updated_count', j.updated_count,
    'skipped_count', j.skipped_count,
    'errors', (select coalesce(json_agg(internal.row_error_json(e.row_number, e.line, e.code, e.message) order by e.row_number), '[]'::json)
                 from public.import_job_errors e where e.job_id = j.id),
    'mapping_used', j.mapping_used,
    'unmapped_columns', j.unmapped_columns,
    'preamble_lines_skipped', j.preamble_lines_skipped
  )));
  perform internal.idempotency_finish(p_workspace_id, p_idempotency, 200, response::text);
  return response;
end
$$;

create function public.import_job_get(p_workspace_id uuid, p_job_id text) returns json
language sql stable
set search_path = ''
as $$
  select internal.import_job_json(j) from public.import_jobs j
   where j.workspace_id = p_workspace_id and j.id = p_job_id
$$;

select internal.lock_down_public_functions();
