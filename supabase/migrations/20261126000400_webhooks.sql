-- Webhooks: endpoints a workspace registers, the outbox of events, and one delivery per
-- (event, endpoint) with every attempt recorded. The claim, the retry schedule and the outcome of
-- an attempt are decided here; shared/webhooks/dispatcher.ts only sends the request.
--
-- Life of a delivery:
--   pending ──claim──▶ delivering ──record 2xx──▶ succeeded
--      ▲                   │ ──record 410──▶ failed (endpoint disabled)
--      └──record other─────┘ ──record other, last attempt──▶ failed
-- A delivering row whose lease ran out (the dispatcher died mid-request) is claimed again: delivery
-- is at least once. Attempts are numbered from 1; the sixth failed attempt is the last.

create table public.webhook_endpoints (
  id               uuid primary key default gen_random_uuid(),
  workspace_id     uuid not null references public.workspaces (id) on delete cascade,
  url              text not null check (char_length(url) between 1 and 2048),
  events           text[] not null
                   check (cardinality(events) > 0 and events <@ array['import.completed']::text[]),
  description      text check (char_length(description) <= 500),
  active           boolean not null default true,
  -- Why the service (not the user) deactivated it, e.g. after a 410 Gone; null otherwise.
  disabled_reason  text,
  -- The whsec_ signing secret, encrypted by the application (AES-256-GCM under WEBHOOK_SECRET_KEY,
  -- shared/webhooks/secret-box.ts): enc:v1:<key id>:<base64>. The database never sees the
  -- plaintext; the dispatcher decrypts to sign. Never returned by the API (no function below puts
  -- it in an endpoint's JSON).
  secret_sealed    text not null check (secret_sealed ~ '^enc:v1:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}$'),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create index webhook_endpoints_workspace_idx on public.webhook_endpoints (workspace_id, created_at, id);

-- The outbox: one row per event, with the exact bytes every delivery of it sends.
create table public.webhook_events (
  id            text primary key check (id ~ '^evt_[0-9A-HJKMNP-TV-Z]{26}$'),
  workspace_id  uuid not null references public.workspaces (id) on delete cascade,
  event         text not null check (event in ('import.completed')),
  body          text not null,
  created_at    timestamptz not null
);
create index webhook_events_workspace_idx on public.webhook_events (workspace_id, created_at);

create table public.webhook_deliveries (
  id               text primary key check (id ~ '^dlv_[0-9A-HJKMNP-TV-Z]{26}$'),
  event_id         text not null references public.webhook_events (id) on delete cascade,
  endpoint_id      uuid not null references public.webhook_endpoints (id) on delete cascade,
  status           text not null check (status in ('pending', 'delivering', 'succeeded', 'failed')),
  attempt_count    integer not null default 0 check (attempt_count between 0 and 6),
  -- pending: when it is due. delivering: null.
  next_attempt_at  timestamptz,
  -- delivering: the claim's lease; another dispatcher may take it over after this instant.
  locked_until     timestamptz,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz not null,
  completed_at     timestamptz,
  unique (event_id, endpoint_id),
  check (status <> 'pending' or next_attempt_at is not null),
  check (status <> 'delivering' or locked_until is not null)
);
create index webhook_deliveries_endpoint_idx on public.webhook_deliveries (endpoint_id, created_at desc, id desc);
create index webhook_deliveries_due_idx on public.webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_lease_idx on public.webhook_deliveries (locked_until) where status = 'delivering';

create table public.webhook_delivery_attempts (
  delivery_id    text not null references public.webhook_deliveries (id) on delete cascade,
  attempt        integer not null check (attempt between 1 and 6),
  started_at     timestamptz not null,
  finished_at    timestamptz,
  status_code    integer,
  duration_ms    integer check (duration_ms >= 0),
  error          text check (char_length(error) <= 1000),
  -- The first 2048 bytes of the response body, decoded as UTF-8 (the dispatcher cuts it).
  response_body  text check (char_length(response_body) <= 2048),
  primary key (delivery_id, attempt)
);

alter table public.webhook_endpoints enable row level security;
alter table public.webhook_events enable row level security;
alter table public.webhook_deliveries enable row level security;
alter table public.webhook_delivery_attempts enable row level security;
revoke all on public.webhook_endpoints, public.webhook_events, public.webhook_deliveries,
              public.webhook_delivery_attempts from public, anon, authenticated;
grant select, insert, update, delete on public.webhook_endpoints, public.webhook_events,
              public.webhook_deliveries, public.webhook_delivery_attempts to service_role;

-- The retry schedule: the delay after failed attempt n (1-based), before jitter. After the sixth
-- attempt there is none: the delivery is failed.
create function internal.webhook_retry_delay_seconds(p_attempt integer) returns integer
language sql immutable
set search_path = ''
as $$ select (array[5, 30, 300, 3600, 21600])[p_attempt] $$;

-- A time-ordered id, `<prefix>_` + 26 Crockford base32 characters (48-bit millisecond time,
-- 80 random bits), like a ULID.
create function internal.webhook_new_id(p_prefix text) returns text
language plpgsql volatile
set search_path = ''
as $$
declare
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  ms bigint := floor(extract(epoch from clock_timestamp()) * 1000)::bigint;
  -- 32 random bytes; byte 6 carries the UUID version nibble, so it is skipped.
  rnd bytea := uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());
  t text := '';
  r text := '';
begin
  for i in 1..10 loop
    t := substr(alphabet, (ms % 32)::integer + 1, 1) || t;
    ms := ms / 32;
  end loop;
  for i in 0..15 loop
    r := r || substr(alphabet, (get_byte(rnd, case when i < 6 then i else i + 1 end) & 31) + 1, 1);
  end loop;
  return p_prefix || '_' || t || r;
end
$$;

-- ISO 8601 in UTC with milliseconds, as JavaScript's toISOString writes it.
create function internal.webhook_iso(p_at timestamptz) returns text
language sql immutable
set search_path = ''
as $$ select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- Compact JSON text of an object, keys in p_order first, then the rest by name. (jsonb's own text
-- form has spaces and its own key order; the event body is built once and sent byte for byte.)
create function internal.webhook_json_text(p_obj jsonb, p_order text[]) returns text
language sql immutable
set search_path = ''
as $$
  select '{' || coalesce(string_agg(to_json(k.key)::text || ':' || (p_obj -> k.key)::text, ','
                                    order by coalesce(array_position(p_order, k.key), 2147483647), k.key), '') || '}'
    from jsonb_object_keys(p_obj) as k(key)
$$;

create function internal.webhook_endpoint_json(e public.webhook_endpoints) returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', e.id,
    'url', e.url,
    'events', to_jsonb(e.events),
    'description', e.description,
    'active', e.active,
    'disabled_reason', e.disabled_reason,
    'created_at', e.created_at,
    'updated_at', e.updated_at
  )
$$;

-- The outbox. Call it inside the transaction that makes the event true (an import job reaching
-- completed or failed): the event and one pending delivery per active endpoint of the workspace
-- subscribed to it are written with that transaction or not at all. Returns the event id.
create function internal.webhook_emit(p_workspace_id uuid, p_event text, p_data jsonb) returns text
language plpgsql volatile
set search_path = ''
as $$
declare
  v_id text := internal.webhook_new_id('evt');
  -- Milliseconds, so the stored time is exactly the created_at the body carries.
  v_at timestamptz := date_trunc('milliseconds', clock_timestamp());
  v_body text;
begin
  if p_event is distinct from 'import.completed' then
    raise exception 'unknown webhook event %', p_event using errcode = '22023';
  end if;
  if jsonb_typeof(p_data) is distinct from 'object' then
    raise exception 'webhook event data must be a JSON object' using errcode = '22023';
  end if;
  v_body := '{"id":' || to_json(v_id)::text
         || ',"event":' || to_json(p_event)::text
         || ',"created_at":' || to_json(internal.webhook_iso(v_at))::text
         || ',"workspace_id":' || to_json(p_workspace_id::text)::text
         || ',"data":' || internal.webhook_json_text(p_data,
              array['job_id', 'status', 'total_rows', 'created_count', 'updated_count', 'skipped_count', 'error_count'])
         || '}';
  insert into public.webhook_events (id, workspace_id, event, body, created_at)
  values (v_id, p_workspace_id, p_event, v_body, v_at);

  insert into public.webhook_deliveries (id, event_id, endpoint_id, status, next_attempt_at, created_at)
  select internal.webhook_new_id('dlv'), v_id, e.id, 'pending', v_at, v_at
    from public.webhook_endpoints e
   where e.workspace_id = p_workspace_id
     and e.active
     and p_event = any (e.events)
   order by e.created_at, e.id;
  return v_id;
end
$$;

-- Endpoints per workspace are capped, so one event cannot fan out without bound.
create function public.webhook_endpoint_create(
  p_workspace_id uuid,
  p_url text,
  p_events jsonb,
  p_secret_sealed text,
  p_description text default null,
  p_active boolean default true
) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  e public.webhook_endpoints;
  max_endpoints constant integer := 20;
begin
  perform pg_advisory_xact_lock(hashtextextended('webhook_endpoints:' || p_workspace_id::text, 0));
  if (select count(*) from public.webhook_endpoints where workspace_id = p_workspace_id) >= max_endpoints then
    return jsonb_build_object('status', 'limit_reached', 'limit', max_endpoints);
  end if;
  insert into public.webhook_endpoints (workspace_id, url, events, description, active, secret_sealed)
  values (p_workspace_id, p_url, array(select jsonb_array_elements_text(p_events)), p_description,
          coalesce(p_active, true), p_secret_sealed)
  returning * into e;
  return jsonb_build_object('status', 'created', 'endpoint', internal.webhook_endpoint_json(e));
end
$$;

create function public.webhook_endpoint_get(p_workspace_id uuid, p_id uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select internal.webhook_endpoint_json(e) from public.webhook_endpoints e
   where e.workspace_id = p_workspace_id and e.id = p_id
$$;

create function public.webhook_endpoint_list(p_workspace_id uuid, p_page integer default 1, p_per_page integer default 25) returns jsonb
language sql stable
set search_path = ''
as $$
  with page as (
    select e.* from public.webhook_endpoints e
     where e.workspace_id = p_workspace_id
     order by e.created_at, e.id
     limit internal.page_limit(p_per_page) offset internal.page_offset(p_page, p_per_page)
  )
  select jsonb_build_object(
    'items', coalesce((select jsonb_agg(internal.webhook_endpoint_json(p) order by p.created_at, p.id) from page p), '[]'::jsonb),
    'total', (select count(*) from public.webhook_endpoints e where e.workspace_id = p_workspace_id)
  )
$$;

-- Applies the keys present in p_patch (url, events, description, active). Deactivating an
-- endpoint fails its pending deliveries; re-activating clears disabled_reason. Null when the
-- endpoint is not the workspace's.
create function public.webhook_endpoint_update(p_workspace_id uuid, p_id uuid, p_patch jsonb) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  e public.webhook_endpoints;
  was_active boolean;
begin
  select * into e from public.webhook_endpoints
   where workspace_id = p_workspace_id and id = p_id
   for update;
  if not found then
    return null;
  end if;
  was_active := e.active;
  update public.webhook_endpoints set
    url = case when p_patch ? 'url' then p_patch ->> 'url' else url end,
    events = case when p_patch ? 'events' then array(select jsonb_array_elements_text(p_patch -> 'events')) else events end,
    description = case when p_patch ? 'description' then p_patch ->> 'description' else description end,
    active = case when p_patch ? 'active' then (p_patch ->> 'active')::boolean else active end,
    disabled_reason = case when p_patch ? 'active' and (p_patch ->> 'active')::boolean then null else disabled_reason end,
    updated_at = now()
   where id = p_id
  returning * into e;
  if was_active and not e.active then
    update public.webhook_deliveries set
      status = 'failed', next_attempt_at = null, completed_at = now(),
      last_error = 'the endpoint was deactivated before this delivery was attempted again'
     where endpoint_id = p_id and status = 'pending';
  end if;
  return internal.webhook_endpoint_json(e);
end
$$;

-- Deletes the endpoint with its deliveries and their attempts.
create function public.webhook_endpoint_delete(p_workspace_id uuid, p_id uuid) returns jsonb
language sql volatile
set search_path = ''
as $$
  with gone as (
    delete from public.webhook_endpoints where workspace_id = p_workspace_id and id = p_id returning 1
  )
  select to_jsonb(exists (select 1 from gone))
$$;

create function internal.webhook_delivery_json(d public.webhook_deliveries) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', d.id,
    'event_id', d.event_id,
    'event', (select ev.event from public.webhook_events ev where ev.id = d.event_id),
    'status', d.status,
    'attempt_count', d.attempt_count,
    'next_attempt_at', d.next_attempt_at,
    'last_status_code', d.last_status_code,
    'last_error', d.last_error,
    'created_at', d.created_at,
    'completed_at', d.completed_at,
    'attempts', coalesce((
      select jsonb_agg(jsonb_build_object(
               'attempt', a.attempt,
               'started_at', a.started_at,
               'finished_at', a.finished_at,
               'status_code', a.status_code,
               'duration_ms', a.duration_ms,
               'error', a.error,
               'response_body', a.response_body
             ) order by a.attempt)
        from public.webhook_delivery_attempts a where a.delivery_id = d.id), '[]'::jsonb)
  )
$$;

-- A page of an endpoint's deliveries, newest first, each with all its attempts. Null when the
-- endpoint is not the workspace's.
create function public.webhook_delivery_list(
  p_workspace_id uuid,
  p_endpoint_id uuid,
  p_page integer default 1,
  p_per_page integer default 25
) returns jsonb
language sql stable
set search_path = ''
as $$
  with page as (
    select d.* from public.webhook_deliveries d
     where d.endpoint_id = p_endpoint_id
     order by d.created_at desc, d.id desc
     limit internal.page_limit(p_per_page) offset internal.page_offset(p_page, p_per_page)
  )
  select case when exists (
    select 1 from public.webhook_endpoints e where e.id = p_endpoint_id and e.workspace_id = p_workspace_id
  ) then jsonb_build_object(
    'items', coalesce((select jsonb_agg(internal.webhook_delivery_json(p) order by p.created_at desc, p.id desc) from page p), '[]'::jsonb),
    'total', (select count(*) from public.webhook_deliveries d where d.endpoint_id = p_endpoint_id)
  ) end
$$;

-- Claims up to p_limit due deliveries in one statement (FOR UPDATE SKIP LOCKED, so concurrent
-- dispatchers never take the same one): pending ones whose time has come and delivering ones whose
-- lease ran out, of active endpoints only. Each claim increments attempt_count, takes a lease
-- until p_now + p_lease_seconds and opens its attempt row. An attempt whose lease ran out without
-- a result is closed with an error; on the last allowed attempt that fails the delivery.
-- Returns [{delivery_id, event_id, attempt, url, workspace_id, secret_sealed, body}]: the sealed
-- secret is decrypted by the dispatcher to sign (the workspace id is its encryption context).
create function public.webhook_deliveries_claim(
  p_now timestamptz default null,
  p_limit integer default 20,
  p_lease_seconds integer default 60
) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, now());
  lost constant text := 'no result was recorded before the lease ran out (the dispatcher stopped or overran)';
  v_out jsonb;
begin
  -- Expired leases on the last attempt: nothing is left to try.
  with expired as (
    select d.id, d.attempt_count from public.webhook_deliveries d
     where d.status = 'delivering' and d.locked_until <= v_now and d.attempt_count >= 6
     for update skip locked
  ), closed as (
    update public.webhook_delivery_attempts a set error = lost, finished_at = v_now
      from expired x
     where a.delivery_id = x.id and a.attempt = x.attempt_count and a.finished_at is null
  )
  update public.webhook_deliveries d set
    status = 'failed', locked_until = null, last_status_code = null, last_error = lost, completed_at = v_now
    from expired x where d.id = x.id;

  with due as (
    select d.id from public.webhook_deliveries d
      join public.webhook_endpoints e on e.id = d.endpoint_id
     where e.active
       and ((d.status = 'pending' and d.next_attempt_at <= v_now)
            or (d.status = 'delivering' and d.locked_until <= v_now and d.attempt_count < 6))
     order by coalesce(d.next_attempt_at, d.locked_until), d.id
     limit greatest(1, least(p_limit, 500))
     for update of d skip locked
  ), claimed as (
    update public.webhook_deliveries d set
      status = 'delivering',
      attempt_count = d.attempt_count + 1,
      next_attempt_at = null,
      locked_until = v_now + make_interval(secs => greatest(p_lease_seconds, 1))
      from due where d.id = due.id
    returning d.id, d.event_id, d.endpoint_id, d.attempt_count
  ), closed as (
    update public.webhook_delivery_attempts a set error = lost, finished_at = v_now
      from claimed c
     where a.delivery_id = c.id and a.attempt = c.attempt_count - 1 and a.finished_at is null
  ), opened as (
    insert into public.webhook_delivery_attempts (delivery_id, attempt, started_at)
    select c.id, c.attempt_count, v_now from claimed c
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'delivery_id', c.id,
           'event_id', c.event_id,
           'attempt', c.attempt_count,
           'url', e.url,
           'workspace_id', e.workspace_id,
           'secret_sealed', e.secret_sealed,
           'body', ev.body
         ) order by c.id), '[]'::jsonb)
    into v_out
    from claimed c
    join public.webhook_endpoints e on e.id = c.endpoint_id
    join public.webhook_events ev on ev.id = c.event_id;
  return v_out;
end
$$;

-- Records the result of attempt p_attempt at p_now and decides what follows:
--   2xx                                  → succeeded
--   410 Gone                             → failed, the endpoint deactivated (and its pending deliveries failed)
--   anything else, endpoint now inactive → failed
--   anything else, attempts 1–5          → pending again at p_now + 5 s, 30 s, 5 min, 1 h, 6 h (±10% jitter)
--   anything else, attempt 6             → failed
-- The attempt row is written in any case; the delivery moves only if this is still its current
-- claim (otherwise outcome 'stale'). Returns {outcome, status, next_attempt_at}.
create function public.webhook_delivery_record(
  p_delivery_id text,
  p_attempt integer,
  p_now timestamptz,
  p_status_code integer,
  p_duration_ms integer,
  p_error text,
  p_response_body text
) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  d public.webhook_deliveries;
  v_now timestamptz := coalesce(p_now, now());
  v_error text := left(p_error, 1000);
  v_active boolean;
  v_next timestamptz;
  v_status text;
begin
  select * into d from public.webhook_deliveries where id = p_delivery_id for update;
  if not found then
    return jsonb_build_object('outcome', 'gone', 'status', null, 'next_attempt_at', null);
  end if;

  insert into public.webhook_delivery_attempts
    (delivery_id, attempt, started_at, finished_at, status_code, duration_ms, error, response_body)
  values (p_delivery_id, p_attempt, v_now, v_now, p_status_code, greatest(p_duration_ms, 0), v_error, p_response_body)
  on conflict (delivery_id, attempt) do update set
    finished_at = excluded.finished_at, status_code = excluded.status_code,
    duration_ms = excluded.duration_ms, error = excluded.error, response_body = excluded.response_body;

  if d.status <> 'delivering' or d.attempt_count <> p_attempt then
    return jsonb_build_object('outcome', 'stale', 'status', d.status, 'next_attempt_at', d.next_attempt_at);
  end if;

  if p_status_code between 200 and 299 then
    v_status := 'succeeded';
  elsif p_status_code = 410 then
    v_status := 'failed';
    update public.webhook_endpoints set
      active = false, updated_at = v_now,
      disabled_reason = 'the endpoint answered 410 Gone to delivery ' || p_delivery_id
     where id = d.endpoint_id and active;
    update public.webhook_deliveries set
      status = 'failed', next_attempt_at = null, completed_at = v_now,
      last_error = 'the endpoint was deactivated before this delivery was attempted again'
     where endpoint_id = d.endpoint_id and status = 'pending';
  else
    select e.active into v_active from public.webhook_endpoints e where e.id = d.endpoint_id;
    if coalesce(v_active, false) and p_attempt < 6 then
      v_status := 'pending';
      v_next := v_now + make_interval(secs => internal.webhook_retry_delay_seconds(p_attempt) * (0.9 + 0.2 * random()));
    else
      v_status := 'failed';
    end if;
  end if;

  update public.webhook_deliveries set
    status = v_status,
    next_attempt_at = v_next,
    locked_until = null,
    last_status_code = p_status_code,
    last_error = v_error,
    completed_at = case when v_status in ('succeeded', 'failed') then v_now end
   where id = p_delivery_id;
  return jsonb_build_object(
    'outcome', case v_status when 'pending' then 'retry' else v_status end,
    'status', v_status,
    'next_attempt_at', v_next
  );
end
$$;

select internal.lock_down_public_functions();
