-- Idempotency keys: claimed atomically, kept 24 hours, replayed byte for byte.

create table public.idempotency_keys (
  workspace_id     uuid not null references public.workspaces (id) on delete cascade,
  key              text not null check (char_length(key) between 1 and 255),
  fingerprint      text not null check (fingerprint ~ '^[0-9a-f]{64}$'),
  state            text not null check (state in ('in_flight', 'completed')),
  -- Names the current claim: only its holder may complete or release the key, so a request
  -- whose lease ran out cannot store its answer over a retry that took the key over.
  claim_token      uuid,
  -- An in-flight claim whose holder died is free again after this instant.
  locked_until     timestamptz,
  response_status  integer,
  -- Text, not jsonb, so a replay is the original body byte for byte.
  response_body    text,
  created_at       timestamptz not null default now(),
  completed_at     timestamptz,
  primary key (workspace_id, key),
  check (state <> 'completed' or (response_status is not null and response_body is not null))
);
create index idempotency_keys_created_idx on public.idempotency_keys (created_at);

alter table public.idempotency_keys enable row level security;
revoke all on public.idempotency_keys from public, anon, authenticated;
grant select, insert, update, delete on public.idempotency_keys to service_role;

-- Claims (workspace, key) for a request with this fingerprint. Outcomes:
--   claimed   the caller runs the request and must complete or release the key with `token`
--   replay    finished before: status and body to send again
--   in_flight another request holds it; retry_after seconds until its lease ends
--   mismatch  the key was used for a different request
-- A record older than 24 hours counts as absent, and an in-flight claim past its lease is taken over.
create function public.idempotency_claim(
  p_workspace_id uuid,
  p_key text,
  p_fingerprint text,
  p_lease_seconds integer default 60
) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  k public.idempotency_keys;
begin
  insert into public.idempotency_keys (workspace_id, key, fingerprint, state, locked_until, claim_token)
  values (p_workspace_id, p_key, p_fingerprint, 'in_flight', now() + make_interval(secs => p_lease_seconds), gen_random_uuid())
  on conflict (workspace_id, key) do nothing
  returning * into k;
  if found then
    return jsonb_build_object('outcome', 'claimed', 'token', k.claim_token);
  end if;

  select * into k from public.idempotency_keys
   where workspace_id = p_workspace_id and key = p_key
   for update skip locked;
  if not found then
    -- Locked: the holder's transaction is running the request right now (idempotency_hold), so
    -- the claim is alive whatever its lease says; or the key is being completed or released
    -- this instant. Answer from what is committed, never take it over.
    select * into k from public.idempotency_keys where workspace_id = p_workspace_id and key = p_key;
    if not found then
      return jsonb_build_object('outcome', 'in_flight', 'retry_after', 1);
    end if;
  elsif k.created_at < now() - interval '24 hours'
     or (k.state = 'in_flight' and k.locked_until <= now() and k.fingerprint = p_fingerprint) then
    update public.idempotency_keys set
      fingerprint = p_fingerprint, state = 'in_flight',
      locked_until = now() + make_interval(secs => p_lease_seconds),
      claim_token = gen_random_uuid(),
      response_status = null, response_body = null, completed_at = null,
      created_at = case when k.created_at < now() - interval '24 hours' then now() else created_at end
     where workspace_id = p_workspace_id and key = p_key
    returning * into k;
    return jsonb_build_object('outcome', 'claimed', 'token', k.claim_token);
  end if;

  if k.fingerprint <> p_fingerprint then
    return jsonb_build_object('outcome', 'mismatch');
  end if;
  if k.state = 'completed' then
    return jsonb_build_object('outcome', 'replay', 'status', k.response_status, 'body', k.response_body);
  end if;
  return jsonb_build_object('outcome', 'in_flight',
    'retry_after', greatest(1, ceil(extract(epoch from k.locked_until - now()))::integer));
end
$$;

-- Stores the response of a claimed key. Returns false when the claim was lost (taken over after
-- its lease ran out), in which case nothing is stored.
create function public.idempotency_complete(
  p_workspace_id uuid,
  p_key text,
  p_token uuid,
  p_status integer,
  p_body text
) returns jsonb
language sql volatile
set search_path = ''
as $$
  with done as (
    update public.idempotency_keys set
      state = 'completed', locked_until = null, claim_token = null, response_status = p_status,
      response_body = p_body, completed_at = now()
     where workspace_id = p_workspace_id and key = p_key
       and claim_token = p_token and state = 'in_flight'
    returning 1
  )
  select to_jsonb(exists (select 1 from done))
$$;

-- Frees a claimed key whose response is not to be kept (401, 403, 409, 413, 415, 429, 5xx).
create function public.idempotency_release(p_workspace_id uuid, p_key text, p_token uuid) returns jsonb
language sql volatile
set search_path = ''
as $$
  with gone as (
    delete from public.idempotency_keys
     where workspace_id = p_workspace_id and key = p_key
       and claim_token = p_token and state = 'in_flight'
    returning 1
  )
  select to_jsonb(exists (select 1 from gone))
$$;

-- Called first by writes that store their response in their own transaction (imports): locks the
-- claimed key's row until that transaction ends, which keeps the claim alive however long the
-- work takes (idempotency_claim never takes over a locked key: a retry meanwhile gets 409), and
-- refuses to start when the claim was already lost, before any work is done.
create function internal.idempotency_hold(p_workspace_id uuid, p_claim jsonb) returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  if p_claim is null then
    return;
  end if;
  perform 1 from public.idempotency_keys
    where workspace_id = p_workspace_id and key = p_claim ->> 'key'
      and claim_token = (p_claim ->> 'token')::uuid and state = 'in_flight'
    for update;
  if not found then
    raise exception 'the Idempotency-Key claim was taken over by a retry' using errcode = '40001';
  end if;
end
$$;

-- For writes that store their response in their own transaction (imports): if the claim was
-- lost, the write must not happen, so this raises and the caller's transaction rolls back.
create function internal.idempotency_finish(p_workspace_id uuid, p_claim jsonb, p_status integer, p_body text) returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  if p_claim is not null
     and not (public.idempotency_complete(p_workspace_id, p_claim ->> 'key', (p_claim ->> 'token')::uuid, p_status, p_body))::boolean then
    raise exception 'the Idempotency-Key claim was taken over by a retry' using errcode = '40001';
  end if;
end
$$;

-- Expired keys, oldest first, at most p_batch of them (index-backed by idempotency_keys_created_idx).
-- Run by the scheduler through public.retention_purge (pg_cron where present, the local loop otherwise).
create function internal.idempotency_purge(p_batch integer default 10000) returns jsonb
language sql volatile
set search_path = ''
as $$
  with old as (
    select workspace_id, key from public.idempotency_keys
     where created_at < now() - interval '24 hours'
     order by created_at limit p_batch
  ), gone as (
    delete from public.idempotency_keys k using old
     where k.workspace_id = old.workspace_id and k.key = old.key
    returning 1
  )
  select jsonb_build_object('purged', (select count(*) from gone))
$$;

select internal.lock_down_public_functions();
