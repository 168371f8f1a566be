/**
 * Deploy rehearsal: what `supabase functions deploy` uploads, captured from the pinned CLI through a
 * stand-in of the Management API, booted from those files alone (no node_modules, npm packages from
 * the registry) under the Edge Runtime's Deno (2.1.x), and driven the way production drives it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { DENO_EDGE } from '../support/deno.ts';
import { createKey, type TestKey } from '../support/fixtures.ts';
import {
  type CapturedDeploy,
  type ManagementApiStandIn,
  startManagementApiStandIn,
} from '../support/management-api-stand-in.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from '../support/postgrest-stand-in.ts';
import { freePort, ROOT, run, type Server, startServer } from '../support/processes.ts';

const PROJECT_REF = 'rehearsalprojectrefx';
const WORKER_SECRET = 'rehearsal-worker-secret-0123456789';
/** The key webhook secrets are sealed with (base64 of 32 bytes), set like the README's deploy guide says. */
const WEBHOOK_SECRET_KEY = Buffer.alloc(32, 5).toString('base64');
const FUNCTIONS = ['api-gateway', 'import-worker'] as const;

const db = await freshDatabase();
let work: string;
let management: ManagementApiStandIn;
let postgrest: PostgrestStandIn;
let gateway: Server & { url: string };
let worker: Server & { url: string };
let receiver: { server: HttpServer; url: string; received: { headers: Record<string, string>; body: string }[] };
let key: TestKey;
let deployLog = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'leadlex-rehearsal-'));
  management = await startManagementApiStandIn(PROJECT_REF);
  postgrest = await startPostgrestStandIn(db.url);
  receiver = await startReceiver();
  key = await createKey(db.port, {
    workspace: 'rehearsal',
    scopes: ['read:contacts', 'write:contacts', 'admin:webhooks'],
  });
  // The guide's two commands that talk to the Management API, as a user runs them.
  await supabaseCli([
    'secrets',
    'set',
    `WORKER_SECRET=${WORKER_SECRET}`,
    `WEBHOOK_SECRET_KEY=${WEBHOOK_SECRET_KEY}`,
    'WEBHOOK_ALLOW_LOOPBACK=1',
  ]);
  deployLog = await supabaseCli(['functions', 'deploy', '--use-api']);
  for (const slug of FUNCTIONS) await writeTree(management.deploys.get(slug));
  // The gateway first: its boot fills the private Deno cache from the npm registry; the worker reuses it.
  gateway = await bootFunction('api-gateway', { SUPABASE_DB_URL: db.url });
  worker = await bootFunction('import-worker', { SUPABASE_DB_URL: db.url });
}, 600_000);

afterAll(async () => {
  await gateway?.stop();
  await worker?.stop();
  await new Promise((r) => receiver?.server.close(r));
  await postgrest?.close();
  await management?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('what `supabase functions deploy` uploads', () => {
  it('stores the secrets `supabase secrets set` sends', () => {
    expect(Object.fromEntries(management.secrets)).toEqual({
      WORKER_SECRET,
      WEBHOOK_SECRET_KEY,
      WEBHOOK_ALLOW_LOOPBACK: '1',
    });
  });

  it('uploads both functions with their entry, the deno.json import map and verify_jwt off', () => {
    expect(deployLog).toContain(`Deployed Functions on project ${PROJECT_REF}`);
    for (const slug of FUNCTIONS) {
      const deploy = management.deploys.get(slug)!;
      expect(deploy, `${slug} was not uploaded; requests: ${management.requests.join(', ')}`).toBeDefined();
      expect(deploy.metadata).toMatchObject({
        name: slug,
        entrypoint_path: `functions/${slug}/index.ts`,
        import_map_path: 'deno.json',
        verify_jwt: false,
      });
      expect([...deploy.files.keys()]).toContain(`functions/${slug}/index.ts`);
    }
    expect([...management.deploys.get('api-gateway')!.files.keys()]).toContain('shared/app.ts');
  });

  it('sends no node_modules, no package.json, and a config that asks for no local node_modules', () => {
    for (const slug of FUNCTIONS) {
      const files = [...management.deploys.get(slug)!.files.keys()];
      expect(files.filter((f) => /node_modules|package(-lock)?\.json$/.test(f))).toEqual([]);
      const config = JSON.parse(management.deploys.get(slug)!.files.get('deno.json')!.toString('utf8'));
      expect(config.nodeModulesDir).toBeUndefined();
      expect(config.imports.hono).toMatch(/^npm:hono@\d/);
    }
  });
});

describe('the uploaded functions, booted alone under the Edge Runtime Deno', () => {
  it('serve /health and the bare URL', async () => {
    const health = await fetch(`${gateway.url}/api-gateway/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ data: { status: 'ok', database: 'ok' } });
    const index = await fetch(`${gateway.url}/api-gateway`);
    expect(index.status).toBe(200);
    expect((await index.json()).data.links.openapi).toBe('/functions/v1/api-gateway/v1/openapi.json');
  });

  it('import 10 rows in the request (supabase-js through the PostgREST stand-in)', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ email: `sync${i}@rehearsal.test`, first_name: `Sync${i}` }));
    const res = await callGateway('POST', '/v1/import/contacts', { rows }, 'rehearsal-sync-10');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'completed', created_count: 10, updated_count: 0, skipped_count: 0 });
    const [{ n }] = await db
      .sql`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId} and email like 'sync%'`;
    expect(n).toBe(10);
  });

  it('queue 600 rows (a body over 1 MB) that the worker finishes when pg_net invokes it, and deliver a signed import.completed', async () => {
    const hook = await callGateway('POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['import.completed'],
      description: 'rehearsal',
    }, 'rehearsal-hook');
    expect(hook.status).toBe(201);
    // Over 1 MB: the gateway reads it with the sliced parser, builds the first 500 rows only and
    // stores every row as the text it came in, which the worker then reads.
    const note = 'n'.repeat(2000);
    const rows = Array.from(
      { length: 600 },
      (_, i) => ({ email: `queued${i}@rehearsal.test`, full_name: `Zoë Ångström ${i}`, custom_fields: { note } }),
    );
    // Indented, so a row stored as its own text (a line feed between tokens becoming a space) is
    // told apart from one serialised again.
    const text = JSON.stringify({ rows }, null, 1);
    expect(text.length).toBeGreaterThan(1 << 20);
    const queued = await callGateway('POST', '/v1/import/contacts', text, 'rehearsal-queued-600');
    expect(queued.status).toBe(202);
    const jobId: string = queued.body.data.job_id;
    const [{ payload }] = await db
      .sql`select convert_from(data, 'UTF8') as payload from import_job_payloads where job_id = ${jobId}`;
    // The row as written in the body, two levels in (two more spaces of indent), its line feeds spaces.
    const asSent = JSON.stringify(rows[599], null, 1).replace(/\n/g, '\n  ');
    expect(text).toContain(asSent);
    expect((payload as string).split('\n')[599]).toBe(asSent.replace(/\n/g, ' '));

    const ticks = await invokeWorkerUntil(async () =>
      (await jobStatus(jobId)) === 'completed' && receiver.received.length > 0
    );
    expect(ticks[0]).toMatchObject({ jobs: 1 });
    const [job] = await db.sql`select status, created_count from import_jobs where id = ${jobId}`;
    expect(job).toEqual({ status: 'completed', created_count: 600 });
    const stored = await db.sql`select email, full_name, custom_fields ->> 'note' = ${note} as note_kept from contacts
      where workspace_id = ${key.workspaceId} and email in ('queued0@rehearsal.test', 'queued599@rehearsal.test')
      order by email`;
    expect(stored).toEqual([
      { email: 'queued0@rehearsal.test', full_name: 'Zoë Ångström 0', note_kept: true },
      { email: 'queued599@rehearsal.test', full_name: 'Zoë Ångström 599', note_kept: true },
    ]);

    const delivery = receiver.received[0];
    const event = new Webhook(hook.body.data.secret).verify(delivery.body, delivery.headers) as {
      event: string;
      data: Record<string, unknown>;
    };
    expect(event.event).toBe('import.completed');
    expect(event.data).toMatchObject({ job_id: jobId, status: 'completed', total_rows: 600, created_count: 600 });
  });

  it('refuse a wrong key at the worker with the envelope', async () => {
    const res = await fetch(`${worker.url}/import-worker`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-worker-secret-0123456789' },
    });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_key');
  });
});

/** Runs the pinned CLI against the Management API stand-in (deploy: server-side bundling, no Docker). */
async function supabaseCli(args: string[]): Promise<string> {
  const profile = join(work, 'profile.yaml');
  await writeFile(
    profile,
    [
      `name: rehearsal`,
      `api_url: ${management.url}`,
      `dashboard_url: ${management.url}/dashboard`,
      `project_host: rehearsal.localhost`,
      '',
    ].join('\n'),
  );
  const result = await run(
    process.execPath,
    [
      join(ROOT, 'scripts/tools/node_modules/supabase/dist/supabase.js'),
      ...args,
      '--project-ref',
      PROJECT_REF,
      '--profile',
      profile,
    ],
    {
      SUPABASE_ACCESS_TOKEN: `sbp_${'0123456789abcdef'.repeat(2)}01234567`,
      HOME: work,
      SUPABASE_HOME: join(work, '.supabase'),
      SUPABASE_NO_KEYRING: '1',
      SUPABASE_TELEMETRY_DISABLED: '1',
      DO_NOT_TRACK: '1',
    },
    180_000,
  );
  const output = result.stdout + result.stderr;
  if (result.code !== 0) throw new Error(`supabase ${args.join(' ')} failed (${result.code}):\n${output}`);
  return output;
}

async function writeTree(deploy: CapturedDeploy | undefined): Promise<void> {
  if (!deploy) throw new Error(`nothing captured; requests: ${management.requests.join(', ')}`);
  for (const [path, content] of deploy.files) {
    const target = join(work, deploy.slug, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

/** Boots one function from its captured files only, with the secrets set above and the environment Supabase provides. */
async function bootFunction(slug: string, extra: Record<string, string>): Promise<Server & { url: string }> {
  const deploy = management.deploys.get(slug)!;
  const tree = join(work, slug);
  const port = await freePort();
  const server = await startServer(
    process.execPath,
    [
      DENO_EDGE,
      'run',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--allow-sys',
      '--config',
      String(deploy.metadata.import_map_path),
      String(deploy.metadata.entrypoint_path),
    ],
    {
      DENO_DIR: join(work, 'deno-dir'),
      DENO_CERT: process.env.SSL_CERT_FILE,
      DENO_NO_UPDATE_CHECK: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...Object.fromEntries(management.secrets),
      SUPABASE_URL: postgrest.url,
      SUPABASE_SERVICE_ROLE_KEY: postgrest.serviceRoleKey,
      DATABASE_URL: '',
      // The test plays pg_net below; no self-invocation from the gateway.
      IMPORT_WORKER_URL: '',
      ...extra,
    },
    /Listening on/,
    420_000,
    tree,
  );
  return Object.assign(server, { url: `http://127.0.0.1:${port}` });
}

/** `body` is sent as it is when it is a string, else as JSON. */
async function callGateway(method: string, path: string, body: unknown, idempotencyKey: string) {
  const res = await fetch(`${gateway.url}/api-gateway${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key.key}`,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Invokes the worker as pg_net does (internal.invoke_import_worker) until `done`, returning each tick's answer. */
async function invokeWorkerUntil(done: () => Promise<boolean>): Promise<Record<string, unknown>[]> {
  const ticks: Record<string, unknown>[] = [];
  for (let i = 0; i < 20 && !(await done()); i++) {
    const res = await fetch(`${worker.url}/import-worker`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WORKER_SECRET}` },
      body: JSON.stringify({ source: 'pg_cron', at: new Date().toISOString() }),
    });
    expect(res.status).toBe(200);
    ticks.push((await res.json()).data);
  }
  expect(await done()).toBe(true);
  return ticks;
}

async function jobStatus(jobId: string): Promise<string | undefined> {
  const [job] = await db.sql`select status from import_jobs where id = ${jobId}`;
  return job?.status;
}

function startReceiver(): Promise<typeof receiver> {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(
      0,
      '127.0.0.1',
      () => resolve({ server, received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` }),
    )
  );
}
