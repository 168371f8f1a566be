-- Foundation: workspaces, API keys and contacts, plus the SQL functions the gateway calls.
-- Every write that must be atomic lives here; TypeScript only orchestrates (DESIGN.md, principle 2).
-- Tables have RLS enabled and no policies: only the service role (which bypasses RLS) reaches them,
-- and only through the functions below, whose EXECUTE is granted to service_role alone.

create table public.workspaces (
  id          uuid primary key default gen_random_uuid(),
  name        text not null unique check (char_length(name) between 1 and 200),
  created_at  timestamptz not null default now()
);

create table public.api_keys (
  id                    uuid primary key default gen_random_uuid(),
  workspace_id          uuid not null references public.workspaces (id) on delete cascade,
  name                  text check (char_length(name) <= 200),
  -- hex SHA-256 of the whole plaintext key; the plaintext is never stored
  key_hash              text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  prefix                text not null check (char_length(prefix) between 8 and 32),
  scopes                text[] not null
                        check (scopes <@ array['read:contacts', 'write:contacts', 'admin:webhooks']::text[]
                               and cardinality(scopes) > 0),
  rate_limit_per_minute integer not null default 60 check (rate_limit_per_minute between 1 and 100000),
  expires_at            timestamptz,
  revoked_at            timestamptz,
  last_used_at          timestamptz,
  created_at            timestamptz not null default now()
);
create index api_keys_workspace_idx on public.api_keys (workspace_id);

-- Contact ids follow the UUIDv7 layout (RFC 9562): 48 bits of Unix milliseconds, then 74 random
-- bits. Time-ordered ids put a batch's primary-key entries on the rightmost leaf pages instead of
-- one random page each: a 500-row import dirtied (and after each checkpoint logged in full) most
-- leaf pages of contacts_pkey, ~0.9 MB of WAL at 20,000 contacts. The random bits come from
-- random() (a per-session generator seeded from the strong source), not gen_random_uuid(), which
-- costs several times more per row: an id names a contact, it grants nothing (every read and write
-- is scoped by workspace_id), and its time is the contact's created_at, which the API shows anyway.
-- Written out here, not in a function: the default is parsed once, at this statement, so it is
-- immune to the caller's search_path and costs no function call per row.
create table public.contacts (
  id                 uuid primary key default (
                       lpad(to_hex(floor(date_part('epoch', clock_timestamp()) * 1000)::bigint), 12, '0')
                       || to_hex(28672 + floor(random() * 4096)::integer)     -- '7' (the version) and 12 bits
                       || to_hex(32768 + floor(random() * 16384)::integer)    -- the variant (binary 10) and 14 bits
                       || lpad(to_hex(floor(random() * 281474976710656)::bigint), 12, '0')  -- 48 bits
                     )::uuid,
  -- No foreign key: see "The workspace of a contact" below, which keeps what one would.
  workspace_id       uuid not null,
  full_name          text,
  first_name         text,
  last_name          text,
  email              text,
  -- matching key: trimmed and lower-cased (the application trims; lower() here keeps it honest)
  email_normalized   text generated always as (lower(email)) stored,
  phone              text check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  job_title          text,
  company            text,
  related_company_id text,
  linkedin_url       text,
  priority           smallint check (priority between 1 and 3),
  tags               text[] not null default '{}',
  custom_fields      jsonb not null default '{}' check (jsonb_typeof(custom_fields) = 'object'),
  created_date       timestamptz not null default now(),
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  check (coalesce(full_name, first_name, last_name, email) is not null)
);
-- Matching keys carry their workspace: `<workspace uuid>:<email>` (a uuid's text is always 36
-- characters, so the key is unambiguous), compared bytewise (collate "C": a key is an identity, not
-- something to sort for people, and the database's collation would cost every probe and insert).
-- A probe `((workspace_id::text || ':' || email_normalized) collate "C") = $1` fits no other index,
-- so however stale the statistics (a young tenant beside a big one looks empty), matching is one
-- unique-index lookup and never a scan of the workspace's rows through
-- contacts_workspace_created_idx. Every probe must spell the key exactly like this.
create unique index contacts_workspace_email_key on public.contacts (((workspace_id::text || ':' || email_normalized) collate "C"))
  where email_normalized is not null;
create unique index contacts_workspace_phone_key on public.contacts (((workspace_id::text || ':' || phone) collate "C"))
  where phone is not null;
-- Listing order within a workspace (contact_list); never a matching probe (see above).
create index contacts_workspace_created_idx on public.contacts (workspace_id, created_at, id);

alter table public.workspaces enable row level security;
alter table public.api_keys enable row level security;
alter table public.contacts enable row level security;

create schema if not exists internal;

-- The workspace of a contact. contacts.workspace_id has no foreign key because its check is one
-- query per inserted row: ~10 % of a 500-row import's CPU time in the database (measured beside
-- these triggers, on a busy machine: 22.8 ms per import with the key, 20.5 ms with them). The triggers
-- keep what the key kept (`on delete cascade`), with one check per statement:
--   * every inserted contact's workspace exists and stays locked FOR KEY SHARE until commit, as the
--     key's check locks it: a workspace cannot be deleted under an import writing into it (the
--     delete waits for the import), and an import into a deleted workspace fails (23503);
--   * a contact moved to another workspace is checked the same way;
--   * deleting a workspace deletes its contacts, changing the id of a workspace that still has
--     contacts fails (23503), and TRUNCATE … CASCADE of workspaces truncates contacts too.
create function internal.workspaces_exist_locked(p_ids uuid[]) returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_found integer;
begin
  perform from public.workspaces w where w.id = any (p_ids) for key share;
  get diagnostics v_found = row_count;
  if v_found < cardinality(p_ids) then
    raise exception 'insert or update on table "contacts" violates its reference to table "workspaces"'
      using errcode = 'foreign_key_violation',
            detail = 'Some workspace_id of the new contacts is not present in table "workspaces".';
  end if;
end
$$;

create function internal.contacts_after_insert() returns trigger
language plpgsql volatile
set search_path = ''
as $$
begin
  perform internal.workspaces_exist_locked(array(select distinct workspace_id from new_contacts));
  return null;
end
$$;
create trigger contacts_workspace_exists after insert on public.contacts
  referencing new table as new_contacts for each statement execute function internal.contacts_after_insert();

create function internal.contacts_after_move() returns trigger
language plpgsql volatile
set search_path = ''
as $$
begin
  perform internal.workspaces_exist_locked(array[new.workspace_id]);
  return null;
end
$$;
-- Fires only for an UPDATE that sets workspace_id (none of the product's do) and changes it.
create trigger contacts_workspace_moved after update of workspace_id on public.contacts
  for each row when (old.workspace_id is distinct from new.workspace_id) execute function internal.contacts_after_move();

create function internal.workspaces_after_delete() returns trigger
language plpgsql volatile
set search_path = ''
as $$
begin
  delete from public.contacts where workspace_id = old.id;
  return null;
end
$$;
create trigger workspaces_delete_contacts after delete on public.workspaces
  for each row execute function internal.workspaces_after_delete();

create function internal.workspaces_after_rekey() returns trigger
language plpgsql volatile
set search_path = ''
as $$
begin
  if exists (select 1 from public.contacts where workspace_id = old.id) then
    raise exception 'update on table "workspaces" would leave contacts without their workspace'
      using errcode = 'foreign_key_violation',
            detail = format('Key (id)=(%s) is still referenced from table "contacts".', old.id);
  end if;
  return null;
end
$$;
create trigger workspaces_keep_contacts after update of id on public.workspaces
  for each row when (old.id is distinct from new.id) execute function internal.workspaces_after_rekey();

-- A plain TRUNCATE of workspaces still fails on the other tables' foreign keys before this runs.
create function internal.workspaces_before_truncate() returns trigger
language plpgsql volatile
set search_path = ''
as $$
begin
  truncate public.contacts;
  return null;
end
$$;
create trigger workspaces_truncate_contacts before truncate on public.workspaces
  for each statement execute function internal.workspaces_before_truncate();

-- The JSON shape of a contact in every response.
create function internal.contact_json(c public.contacts) returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', c.id,
    'full_name', c.full_name,
    'first_name', c.first_name,
    'last_name', c.last_name,
    'email', c.email,
    'phone', c.phone,
    'job_title', c.job_title,
    'company', c.company,
    'related_company_id', c.related_company_id,
    'linkedin_url', c.linkedin_url,
    'priority', c.priority,
    'tags', to_jsonb(c.tags),
    'custom_fields', c.custom_fields,
    'created_date', c.created_date,
    'created_at', c.created_at,
    'updated_at', c.updated_at
  )
$$;

create function public.health_ping() returns jsonb
language sql stable
set search_path = ''
as $$ select jsonb_build_object('database', 'ok', 'time', now()) $$;

-- Resolves a presented key (by hash) to its workspace, scopes and limit. Unknown, revoked and
-- expired keys all return null so the gateway answers them identically. last_used_at is written at
-- most once a minute per key, keeping the hot path read-mostly.
create function public.api_key_authenticate(p_key_hash text) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  k public.api_keys;
begin
  select * into k from public.api_keys
   where key_hash = p_key_hash
     and revoked_at is null
     and (expires_at is null or expires_at > now());
  if not found then
    return null;
  end if;
  if k.last_used_at is null or k.last_used_at < now() - interval '1 minute' then
    update public.api_keys set last_used_at = now() where id = k.id;
  end if;
  return jsonb_build_object(
    'key_id', k.id,
    'workspace_id', k.workspace_id,
    'scopes', to_jsonb(k.scopes),
    'rate_limit_per_minute', k.rate_limit_per_minute
  );
end
$$;

create function internal.workspace_ensure(p_name text) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  w public.workspaces;
begin
  insert into public.workspaces (name) values (p_name)
  on conflict (name) do nothing;
  select * into w from public.workspaces where name = p_name;
  return jsonb_build_object('id', w.id, 'name', w.name, 'created_at', w.created_at);
end
$$;

create function internal.api_key_json(k public.api_keys, p_workspace_name text) returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', k.id,
    'workspace_id', k.workspace_id,
    'workspace', p_workspace_name,
    'name', k.name,
    'prefix', k.prefix,
    'scopes', to_jsonb(k.scopes),
    'rate_limit_per_minute', k.rate_limit_per_minute,
    'expires_at', k.expires_at,
    'revoked_at', k.revoked_at,
    'last_used_at', k.last_used_at,
    'created_at', k.created_at
  )
$$;

-- Creates a key for a workspace (made on first use). The caller generates the secret and passes
-- only its hash and display prefix.
create function public.api_key_create(
  p_workspace_name text,
  p_key_hash text,
  p_prefix text,
  p_scopes jsonb,
  p_name text default null,
  p_expires_at timestamptz default null,
  p_rate_limit_per_minute integer default null
) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  w_id uuid;
  k public.api_keys;
begin
  w_id := (internal.workspace_ensure(p_workspace_name) ->> 'id')::uuid;
  insert into public.api_keys (workspace_id, name, key_hash, prefix, scopes, expires_at, rate_limit_per_minute)
  values (
    w_id, p_name, p_key_hash, p_prefix,
    array(select jsonb_array_elements_text(p_scopes)),
    p_expires_at,
    coalesce(p_rate_limit_per_minute, 60)
  )
  returning * into k;
  return internal.api_key_json(k, p_workspace_name);
end
$$;

create function public.api_key_list(p_workspace_name text default null) returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(internal.api_key_json(k, w.name) order by w.name, k.created_at), '[]'::jsonb)
    from public.api_keys k
    join public.workspaces w on w.id = k.workspace_id
   where p_workspace_name is null or w.name = p_workspace_name
$$;

-- Revokes by id or display prefix. A prefix that names several keys revokes none (ambiguous).
create function public.api_key_revoke(p_key_ref text) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  k public.api_keys;
  n integer;
  w_name text;
begin
  select count(*) into n from public.api_keys
   where id::text = p_key_ref or prefix = p_key_ref;
  if n = 0 then
    return jsonb_build_object('status', 'not_found');
  elsif n > 1 then
    return jsonb_build_object('status', 'ambiguous', 'matches', n);
  end if;
  update public.api_keys set revoked_at = coalesce(revoked_at, now())
   where id::text = p_key_ref or prefix = p_key_ref
  returning * into k;
  select name into w_name from public.workspaces where id = k.workspace_id;
  return jsonb_build_object('status', 'revoked', 'key', internal.api_key_json(k, w_name));
end
$$;

-- Writers of a workspace's contacts take this lock first, so matching by email and phone sees a
-- stable table and two writers (imports, single creates) never both create the same person.

create function internal.lock_workspace_contacts(p_workspace_id uuid) returns void
language sql volatile
set search_path = ''
as $$ select pg_advisory_xact_lock(hashtextextended('contacts:' || p_workspace_id::text, 0)) $$;

-- The one place that turns normalised contact records (a JSON array, keys absent when not supplied)
-- into rows of a workspace: every function that creates contacts inserts through this, so a new
-- contact field is added here and in the table only. Matching and the workspace lock are the
-- caller's; rows are inserted in the array's order. json, not jsonb: an import's batch arrives as
-- JSON text, and json_populate_recordset reads it in one pass where jsonb_in would first build and
-- key-sort every object (measured on 4,000 rows beside 200,000 contacts: 68-80 against 81-102 ms).
-- It returns the new ids only: a batch's caller counts them, and whole rows cost a copy of each
-- into the function's result (~1.4 ms of a 4,000-row chunk). p_parsed, when not null, holds the
-- same records already read from the JSON (a worker chunk reads them before it waits for its
-- locks); p_contacts is then not read, and an empty p_parsed inserts nothing.
create function internal.contacts_insert(p_workspace_id uuid, p_contacts json, p_parsed public.contacts[] default null)
returns setof uuid
language sql volatile
set search_path = ''
as $$
  insert into public.contacts (
    workspace_id, full_name, first_name, last_name, email, phone, job_title, company,
    related_company_id, linkedin_url, priority, tags, custom_fields, created_date
  )
  select p_workspace_id, r.full_name, r.first_name, r.last_name, r.email, r.phone, r.job_title, r.company,
         r.related_company_id, r.linkedin_url, r.priority, coalesce(r.tags, '{}'),
         coalesce(r.custom_fields, '{}'), coalesce(r.created_date, now())
    from (select * from json_populate_recordset(null::public.contacts, p_contacts) where p_parsed is null
          union all
          select * from unnest(p_parsed)) r
  returning id
$$;

-- Creates one contact from a normalised record (keys absent when not supplied). A contact with the
-- same email or phone in the workspace is not an error in SQL: the result names it so the route can
-- answer 409 duplicate_contact with its id. Under the workspace's lock the probes see every writer's
-- contacts, so nothing can take the keys between the probes and the insert.
create function public.contact_create(p_workspace_id uuid, p_contact jsonb) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  c public.contacts;
  v_em uuid;
  v_ph uuid;
  v_id uuid;
begin
  perform internal.lock_workspace_contacts(p_workspace_id);
  -- Keyed probes (see contacts_workspace_email_key); a key without its field is null and finds nothing.
  select (select id from public.contacts
           where ((workspace_id::text || ':' || email_normalized) collate "C") = p_workspace_id::text || ':' || lower(p_contact ->> 'email')),
         (select id from public.contacts
           where ((workspace_id::text || ':' || phone) collate "C") = p_workspace_id::text || ':' || (p_contact ->> 'phone'))
    into v_em, v_ph;
  if coalesce(v_em, v_ph) is not null then
    return jsonb_build_object('status', 'duplicate', 'field', case when v_em is not null then 'email' else 'phone' end,
                              'contact_id', coalesce(v_em, v_ph));
  end if;
  select t.id into v_id from internal.contacts_insert(p_workspace_id, jsonb_build_array(p_contact)::json) as t(id);
  -- contacts_insert answers ids only; the row is read back by a statement of its own (the one
  -- that ran the insert could not see it).
  select * into c from public.contacts where id = v_id;
  return jsonb_build_object('status', 'created', 'contact', internal.contact_json(c));
end
$$;

create function public.contact_get(p_workspace_id uuid, p_id uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select internal.contact_json(c) from public.contacts c
   where c.workspace_id = p_workspace_id and c.id = p_id
$$;

-- Page clamping for every paged list: per_page within 1..100, page from 1 (the contract's bounds,
-- also for direct callers); the offset is bigint so no page number overflows it.
create function internal.page_limit(p_per_page integer) returns integer
language sql immutable
set search_path = ''
as $$ select greatest(1, least(p_per_page, 100)) $$;

create function internal.page_offset(p_page integer, p_per_page integer) returns bigint
language sql immutable
set search_path = ''
as $$ select (greatest(p_page, 1) - 1)::bigint * internal.page_limit(p_per_page) $$;

create function public.contact_list(
  p_workspace_id uuid,
  p_page integer default 1,
  p_per_page integer default 25,
  p_email text default null
) returns jsonb
language sql stable
set search_path = ''
as $$
  with filtered as (
    select c.* from public.contacts c
     where c.workspace_id = p_workspace_id
       and (p_email is null or c.email_normalized = lower(btrim(p_email)))
  ), page as (
    select f.* from filtered f
     order by f.created_at, f.id
     limit internal.page_limit(p_per_page) offset internal.page_offset(p_page, p_per_page)
  )
  select jsonb_build_object(
    'items', coalesce((select jsonb_agg(internal.contact_json(p) order by p.created_at, p.id) from page p), '[]'::jsonb),
    'total', (select count(*) from filtered)
  )
$$;

-- Least privilege: no table or function is reachable by anon or authenticated (Supabase grants
-- both by default in the public schema); the service role gets exactly what the gateway needs.
revoke all on public.workspaces, public.api_keys, public.contacts from public, anon, authenticated;
grant select, insert, update, delete on public.workspaces, public.api_keys, public.contacts to service_role;

-- Every migration ends by calling this, so a function added later is locked down the same way.
-- `internal` holds helpers that public functions call (they run as the caller, service_role);
-- nothing in it is reachable by anon or authenticated either.
revoke all on schema internal from public;
grant usage on schema internal to service_role;

create function internal.lock_down_public_functions() returns void
language plpgsql
set search_path = ''
as $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'internal'::regnamespace)
       and p.proname <> 'lock_down_public_functions'
  loop
    execute format('revoke all on function %s from public, anon, authenticated', f);
    execute format('grant execute on function %s to service_role', f);
  end loop;
end
$$;
revoke all on function internal.lock_down_public_functions() from public, anon, authenticated, service_role;

select internal.lock_down_public_functions();
