/** @module A client of the API written only against types that openapi-typescript generated from /v1/openapi.json (copied next to ./api.ts by tests/contract/openapi-live.test.ts, type-checked with tsc --strict, then run). */
import createClient from 'openapi-fetch';
import type { paths } from './api.ts';

const [baseUrl, key] = [process.env.API_BASE_URL, process.env.API_KEY];
if (!baseUrl || !key) throw new Error('API_BASE_URL and API_KEY are required');

const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${key}` } });

async function syncImport() {
  const body = {
    rows: [{ full_name: 'Jane Doe', email: 'jane@acme.com' }, {
      first_name: 'Bob',
      last_name: 'Smith',
      email: 'bob@beta.com',
    }],
    tags: ['client'],
  };
  const params = { header: { 'Idempotency-Key': `client-sync-${Date.now()}` } };
  const first = await api.POST('/v1/import/contacts', { params, body });
  const again = await api.POST('/v1/import/contacts', { params, body });
  if (!first.data || !again.data) throw new Error(`sync import failed: ${JSON.stringify(first.error ?? again.error)}`);
  return {
    status: first.response.status,
    result: first.data.data,
    replayed: again.response.headers.get('Idempotent-Replayed'),
    sameJob: again.data.data.job_id === first.data.data.job_id,
  };
}

async function queuedImport() {
  const rows = Array.from({ length: 750 }, (_, i) => ({ full_name: `Queued ${i}`, email: `queued-${i}@example.com` }));
  const queued = await api.POST('/v1/import/contacts', { body: { rows } });
  if (!queued.data) throw new Error(`queued import failed: ${JSON.stringify(queued.error)}`);
  const jobId = queued.data.data.job_id;
  const deadline = Date.now() + 120_000;
  for (let polls = 1; Date.now() < deadline; polls++) {
    const job = await api.GET('/v1/import/jobs/{job_id}', { params: { path: { job_id: jobId } } });
    if (!job.data) throw new Error(`job lookup failed: ${JSON.stringify(job.error)}`);
    const { status, created_count, total_rows } = job.data.data;
    if (status === 'completed' || status === 'failed') {
      return { accepted: queued.response.status, status, created_count, total_rows, polls };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`job ${jobId} did not finish in time`);
}

async function listContacts() {
  const page = await api.GET('/v1/contacts', { params: { query: { per_page: 100, email: 'jane@acme.com' } } });
  const all = await api.GET('/v1/contacts', { params: { query: { page: 1, per_page: 1 } } });
  if (!page.data || !all.data) throw new Error(`listing failed: ${JSON.stringify(page.error ?? all.error)}`);
  return { jane: page.data.data.map((c) => c.full_name), total: all.data.meta.total };
}

const sync = await syncImport();
const queued = await queuedImport();
const listed = await listContacts();
process.stdout.write(`${JSON.stringify({ sync, queued, listed })}\n`);
