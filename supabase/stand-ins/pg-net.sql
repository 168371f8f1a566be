-- STAND-IN for pg_net, which is not packaged here. Only what the schedule migration calls:
-- net.http_post with pg_net's signature. Like pg_net it only queues the request and returns its
-- id; pg_net's background worker sends it, and here a test plays that worker by reading
-- net.http_request_queue and POSTing each row. Used only in the pg_cron test's private cluster.
create schema if not exists net;

create table if not exists net.http_request_queue (
  id bigserial primary key,
  method text not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);

create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language sql volatile
as $$
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id
$$;
