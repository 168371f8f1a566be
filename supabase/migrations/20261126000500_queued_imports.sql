-- Queued imports (more than 500 rows): the payload stored with the job, a leased claim, and a
-- chunk commit that writes contacts, cursor and counters in one transaction.

alter table public.import_jobs
  add column payload_format   text check (payload_format in ('ndjson', 'csv')),
  -- CSV settings fixed at enqueue: the worker never re-derives them from the payload.
  add column csv_settings     jsonb,
  -- Byte offset in the payload of the next unprocessed record, and the physical line it starts on.
  add column cursor_offset    bigint not null default 0 check (cursor_offset >= 0),
  add column cursor_line      integer not null default 1 check (cursor_line >= 1),
  -- Claims since the job last made progress (a committed chunk sets it back to the current claim).
  add column attempts         integer not null default 0 check (attempts >= 0),
  add column max_attempts     integer not null default 5 check (max_attempts >= 1),
  add column lease_token      uuid,
  add column locked_by        text,
  add column locked_until     timestamptz,
  add column next_attempt_at  timestamptz not null default now(),
  add column last_error       text;

create index import_jobs_runnable_idx on public.import_jobs (next_attempt_at, created_at)
  where status in ('queued', 'processing');

create table public.import_job_payloads (
  job_id  text primary key references public.import_jobs (id) on delete cascade,
  -- UTF-8 bytes, stored uncompressed out of line so a slice reads only its own pages.
  data    bytea not null,
  bytes   bigint not null
);
alter table public.import_job_payloads alter column data set storage external;

alter table public.import_job_payloads enable row level security;
revoke all on public.import_job_payloads from public, anon, authenticated;
grant select, insert, update, delete on public.import_job_payloads to service_role;

-- The event a finished job announces, written in the transaction that finishes it.
create function internal.import_job_finished_event(j public.import_jobs) returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  perform internal.webhook_emit(j.workspace_id, 'import.completed', jsonb_build_object(
    'job_id', j.id,
    'status', j.status,
    'total_rows', j.total_rows,
    'created_count', j.created_count,
    'updated_count', j.updated_count,
    'skipped_count', j.skipped_count,
    'error_count', j.error_count
  ));
end
$$;

-- Enqueues an import: the job, its raw payload (text in, stored as UTF-8 bytes) and, with an
-- Idempotency-Key, the 202 response, all in one transaction. Returns the 202 body.
create function public.import_enqueue(
  p_workspace_id uuid,
  p_job_id text,
  p_source text,
  p_format text,
  p_payload text,
  p_total_rows integer,
  p_update_existing boolean,
  p_tags jsonb default '[]',
  p_mapping_used jsonb default null,
  p_unmapped_columns jsonb default null,
  p_preamble_lines_skipped integer default null,
  p_csv_settings jsonb default null,
  p_cursor_offset bigint default 0,
  p_cursor_line integer default 1,
  p_idempotency jsonb default null
) returns json
language plpgsql volatile
set search_path = ''
as $$
declare
  data bytea := convert_to(p_payload, 'UTF8');
  response json;
begin
  perform internal.idempotency_hold(p_workspace_id, p_idempotency);
  insert into public.import_jobs (
    id, workspace_id, status, source, update_existing, tags, mapping_used, unmapped_columns, preamble_lines_skipped,
    total_rows, payload_format, csv_settings, cursor_offset, cursor_line
  ) values (
    p_job_id, p_workspace_id, 'queued', p_source, p_update_existing,
    array(select jsonb_array_elements_text(coalesce(p_tags, '[]'::jsonb))),
    internal.csv_mapping_json(p_mapping_used), p_unmapped_columns, p_preamble_lines_skipped,
    p_total_rows, p_format, p_csv_settings, p_cursor_offset, p_cursor_line
  );
  insert into public.import_job_payloads (job_id, data, bytes) values (p_job_id, data, length(data));
  response := json_build_object('data', json_strip_nulls(json_build_object(
    'job_id', p_job_id,
    'status', 'queued',
    'total_rows', p_total_rows,
    'mapping_used', internal.csv_mapping_json(p_mapping_used),
    'unmapped_columns', p_unmapped_columns,
    'preamble_lines_skipped', p_preamble_lines_skipped
  )));
  perform internal.idempotency_finish(p_workspace_id, p_idempotency, 202, response::text);
  return response;
end
$$;

-- Claims the oldest runnable job with a lease, counting the attempt in the same statement.
-- A job whose lease expired (its worker died) is runnable again. A job that has been claimed
-- max_attempts times without progress is failed here instead of being handed out once more.
create function public.import_job_claim(p_worker text, p_lease_seconds integer default 120) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  j public.import_jobs;
begin
  loop
    update public.import_jobs set
      status = 'processing',
      attempts = attempts + 1,
      lease_token = gen_random_uuid(),
      locked_by = p_worker,
      locked_until = now() + make_interval(secs => p_lease_seconds),
      started_at = coalesce(started_at, now())
     where id = (
       select id from public.import_jobs
        where status in ('queued', 'processing')
          and next_attempt_at <= now()
          and (locked_until is null or locked_until < now())
        order by next_attempt_at, created_at
        for update skip locked
        limit 1)
    returning * into j;
    if not found then
      return null;
    end if;
    exit when j.attempts <= j.max_attempts;
    perform internal.import_job_fail(j, coalesce(j.last_error, 'the worker stopped before finishing (lease expired)'));
  end loop;
  return jsonb_build_object(
        'job_id', j.id,
        'workspace_id', j.workspace_id,
        'lease_token', j.lease_token,
        'attempt', j.attempts,
        'source', j.source,
        'payload_format', j.payload_format,
        'csv_settings', j.csv_settings,
        'update_existing', j.update_existing,
        'tags', to_jsonb(j.tags),
        'cursor_offset', j.cursor_offset,
        'cursor_line', j.cursor_line,
        'processed_rows', j.processed_rows,
        'payload_bytes', (select bytes from public.import_job_payloads where job_id = j.id)
      );
end
$$;

create function internal.import_job_fail(j public.import_jobs, p_reason text) returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  done public.import_jobs;
begin
  update public.import_jobs set
    status = 'failed',
    failure_reason = left(p_reason, 1000),
    lease_token = null, locked_by = null, locked_until = null,
    finished_at = now()
   where id = j.id
  returning * into done;
  delete from public.import_job_payloads where job_id = j.id;
  perform internal.import_job_finished_event(done);
end
$$;

-- A slice of the payload as text. The end is moved back to a UTF-8 character boundary so the
-- text is always valid; `next` is where the following slice starts.
create function public.import_job_payload_slice(p_job_id text, p_offset bigint, p_length integer) returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  chunk bytea;
  n integer;
  cut integer;
  back integer := 0;
begin
  select substring(data from (p_offset + 1)::integer for p_length) into chunk
    from public.import_job_payloads where job_id = p_job_id;
  if chunk is null then
    return null;
  end if;
  n := length(chunk);
  cut := n;
  if n = p_length then
    -- Step back over continuation bytes (10xxxxxx) to the lead byte of the last character,
    -- and leave that character for the next slice unless it is complete.
    while back < 4 and back < n and (get_byte(chunk, n - 1 - back) & 192) = 128 loop
      back := back + 1;
    end loop;
    if back < n then
      declare
        lead integer := get_byte(chunk, n - 1 - back);
        need integer := case when lead < 128 then 1 when lead >= 240 then 4 when lead >= 224 then 3 when lead >= 192 then 2 else 1 end;
      begin
        if back + 1 < need then
          cut := n - 1 - back;
        end if;
      end;
    end if;
  end if;
  return jsonb_build_object('text', convert_from(substring(chunk from 1 for cut), 'UTF8'), 'next', p_offset + cut, 'eof', n < p_length);
end
$$;

-- Commits one chunk of a claimed job in one transaction: the contacts, the row errors, the
-- counters and the cursor. The caller's lease and expected cursor are checked first, under the job
-- row's lock, so a worker that lost its lease (another took over) writes nothing, and chunks sent
-- together commit in order: a chunk that reaches the lock while the one before it commits waits
-- for it, and one that comes before it is answered `early`. With p_done the job completes and its
-- event is written too. p_keys_distinct: no two of p_rows share an email or phone key (see
-- import_contacts_batch).
-- Durability: an intermediate chunk commits without waiting for its WAL flush (the fsync was the
-- ~25 ms fixed cost of every chunk). Should the database server crash, such a commit can be lost
-- only whole: contacts, errors, counters and cursor together, so the job resumes from the earlier
-- cursor and writes the chunk again, exactly once. The last chunk, which completes the job and
-- announces it, commits synchronously (and so makes every earlier chunk durable too).
-- Whether the worker holding p_lease_token still holds job j, and j's cursor has not passed
-- p_expected_offset (the chunk may come early, never late).
create function internal.import_job_held(j public.import_jobs, p_lease_token uuid, p_expected_offset bigint)
returns boolean
language sql immutable
set search_path = ''
as $$
  select j.status = 'processing' and j.lease_token is not distinct from p_lease_token
     and j.cursor_offset <= p_expected_offset
$$;

create function public.import_job_commit_chunk(
  p_job_id text,
  p_lease_token uuid,
  p_expected_offset bigint,
  p_rows json,
  p_errors jsonb,
  p_rows_read integer,
  p_next_offset bigint,
  p_next_line integer,
  p_done boolean,
  p_lease_seconds integer default 120,
  p_keys_distinct boolean default false
) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  j public.import_jobs;
  v_parsed public.contacts[];
begin
  -- First, so that an answer that writes nothing (early, lease_lost) does not wait for a WAL flush
  -- either: the row lock gave the transaction an id.
  if not p_done then
    perform set_config('synchronous_commit', 'off', true);
  end if;
  -- A batch to be inserted whole is read into records now, before the job row's lock: while the
  -- chunk before this one still commits, not after it (~4.5 ms of the ~55 ms a 4,000-row chunk
  -- holds the lock). Whether it will be inserted whole, and whether this worker still holds the
  -- job, is decided under the lock; this unlocked look is only a guess, and records read in vain
  -- are not used. A batch that cannot be read here fails where it always did, in the insert.
  if p_keys_distinct then
    select * into j from public.import_jobs where id = p_job_id;
    if found and internal.import_job_held(j, p_lease_token, p_expected_offset)
       and internal.import_job_inserts_whole(j, p_keys_distinct) then
      begin
        v_parsed := array(select r from json_populate_recordset(null::public.contacts, p_rows) r);
      exception when others then
        v_parsed := null;
      end;
    end if;
  end if;
  select * into j from public.import_jobs where id = p_job_id for update;
  if not found or not internal.import_job_held(j, p_lease_token, p_expected_offset) then
    return jsonb_build_object('status', 'lease_lost');
  end if;
  if j.cursor_offset < p_expected_offset then
    -- The chunk before this one has not committed yet: the worker sends a chunk while the one
    -- before it commits, and this one came first. Nothing is written; the worker sends it again
    -- once that one has committed.
    return jsonb_build_object('status', 'early');
  end if;

  j := internal.import_job_apply(j, p_rows, p_errors, p_rows_read, p_keys_distinct, v_parsed);

  update public.import_jobs set
    cursor_offset = p_next_offset,
    cursor_line = p_next_line,
    -- Progress: only this claim counts now, should it still fail.
    attempts = 1,
    last_error = null,
    locked_until = now() + make_interval(secs => p_lease_seconds)
   where id = p_job_id
  returning * into j;

  if p_done then
    update public.import_jobs set
      status = 'completed',
      -- The stream is the authority on how many rows there were; the enqueue count was a scan.
      total_rows = processed_rows,
      lease_token = null, locked_by = null, locked_until = null,
      finished_at = now()
     where id = p_job_id
    returning * into j;
    delete from public.import_job_payloads where job_id = p_job_id;
    perform internal.import_job_finished_event(j);
  end if;
  return jsonb_build_object('status', j.status, 'processed_rows', j.processed_rows);
end
$$;

-- Gives a claimed job back: after a failed chunk (with backoff, failing the job once its attempts
-- are spent) or when the worker's budget ran out (p_error null: runnable again at once).
create function public.import_job_release(
  p_job_id text,
  p_lease_token uuid,
  p_error text default null,
  p_fatal boolean default false
) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  j public.import_jobs;
begin
  select * into j from public.import_jobs where id = p_job_id for update;
  if not found or j.status <> 'processing' or j.lease_token is distinct from p_lease_token then
    return jsonb_build_object('status', 'lease_lost');
  end if;
  if p_error is not null and not p_fatal then
    p_error := format('the chunk from row %s failed: %s', j.processed_rows + 1, p_error);
  end if;
  if p_error is not null and (p_fatal or j.attempts >= j.max_attempts) then
    perform internal.import_job_fail(j, p_error);
    return jsonb_build_object('status', 'failed');
  end if;
  update public.import_jobs set
    lease_token = null, locked_by = null, locked_until = null,
    last_error = coalesce(left(p_error, 1000), last_error),
    -- 5 s, 10 s, 20 s, 40 s, ... after a failure; at once after a voluntary stop.
    next_attempt_at = case when p_error is null then now()
                           else now() + make_interval(secs => 5 * power(2, greatest(j.attempts - 1, 0))) end,
    attempts = case when p_error is null then greatest(j.attempts - 1, 0) else j.attempts end
   where id = p_job_id;
  return jsonb_build_object('status', 'released');
end
$$;

create function public.import_job_errors_page(p_workspace_id uuid, p_job_id text, p_page integer, p_per_page integer) returns jsonb
language sql stable
set search_path = ''
as $$
  select case when j.id is null then null else jsonb_build_object(
    'items', coalesce((
      select jsonb_agg(internal.row_error_json(e.row_number, e.line, e.code, e.message)::jsonb order by e.row_number)
        from (select * from public.import_job_errors
               where job_id = j.id order by row_number
               limit internal.page_limit(p_per_page) offset internal.page_offset(p_page, p_per_page)) e), '[]'::jsonb),
    -- What can be paged through: the stored errors (the job counts the rest by code).
    'total', least(j.error_count, internal.import_error_cap())) end
  from (select null) x
  left join public.import_jobs j on j.workspace_id = p_workspace_id and j.id = p_job_id
$$;

select internal.lock_down_public_functions();
