import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp } from '../support/fixtures.ts';
import { ROOT, workerNodeArgs } from '../support/processes.ts';
import { rng } from '../support/random.ts';

const db = await freshDatabase();
const api = testApp(db.port);
const ROWS = 50_000;
const RUNS = 20;

/** 50,000 records with repeats (updates), invalid rows and multi-line notes, the same for every run. */
function payload(): string {
  const r = rng(424242);
  const lines = ['Full Name,Email,Phone,Tags,Notes'];
  for (let i = 1; i <= ROWS; i++) {
    const person = r.int(0, 40_000);
    const email = r.chance(0.02) ? `broken${i}@` : `person${person}@example.com`;
    const phone = r.chance(0.3) ? `+4930${String(1_000_000 + person)}` : '';
    const note = r.chance(0.05) ? `"note ${i}\nsecond line"` : `n${i}`;
    lines.push(`Person ${person},${email},${phone},t${i % 7},${note}`);
  }
  return lines.join('\n') + '\n';
}

const CSV = payload();

async function enqueue(workspace: string) {
  const key = await createKey(db.port, { workspace, rateLimit: 100000 });
  const res = await api.call('POST', '/v1/import/contacts', {
    key: key.key,
    body: { csv: CSV, update_existing: true, mapping: { 'Full Name': 'full_name', Email: 'email', Phone: 'phone', Tags: 'tags', Notes: 'custom_fields.notes' } },
  });
  expect(res.status).toBe(202);
  return { key, jobId: res.json.data.job_id as string };
}

/**
 * Runs `npm run worker -- --once` (as node + the worker bundle directly) until it exits, or kills
 * it `killAfterMs` after it has claimed the job, so the kill lands while it works, not while it boots.
 */
async function worker(killAfterMs: number | null): Promise<'exited' | 'killed'> {
  const args = await workerNodeArgs();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, '--once'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, CHUNK_ROWS: '500', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      if (killAfterMs !== null && !timer && d.toString().includes('"msg":"import job claimed"')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('exited');
      else reject(new Error(`worker exited with ${code}: ${stderr}`));
    });
  });
}

async function outcome(workspaceId: string, jobId: string) {
  const contacts = await db.sql`
    select email_normalized, phone, full_name, tags, custom_fields from contacts
     where workspace_id = ${workspaceId} order by email_normalized nulls last, phone nulls last`;
  const [job] = await db.sql`
    select status, total_rows, processed_rows, created_count, updated_count, skipped_count, error_count
      from import_jobs where id = ${jobId}`;
  const errors = await db.sql`select row_number, line, code from import_job_errors where job_id = ${jobId} order by row_number`;
  return { contacts, job, errors };
}

describe('crash safety of queued imports', () => {
  it(`ends every one of ${RUNS} seeded runs, killed at random points, exactly like an uninterrupted run`, async () => {
    const base = await enqueue('crash-baseline');
    expect(await worker(null)).toBe('exited');
    const expected = await outcome(base.key.workspaceId, base.jobId);
    expect(expected.job).toMatchObject({ status: 'completed', total_rows: ROWS, processed_rows: ROWS });
    expect(expected.job.created_count + expected.job.updated_count + expected.job.skipped_count).toBe(ROWS);
    expect(expected.job.error_count).toBeGreaterThan(0);

    let kills = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const r = rng(seed);
      const run = await enqueue(`crash-${seed}`);
      for (let round = 0; ; round++) {
        expect(round).toBeLessThan(200);
        const result = await worker(r.int(250, 2500));
        const [{ status }] = await db.sql`select status from import_jobs where id = ${run.jobId}`;
        if (status === 'completed' || status === 'failed') break;
        if (result === 'killed') {
          kills++;
          // The dead worker's lease would run out in two minutes; let that time pass now.
          await db.sql`update import_jobs set locked_until = now() - interval '1 second' where id = ${run.jobId} and locked_until is not null`;
        }
      }
      const got = await outcome(run.key.workspaceId, run.jobId);
      expect(got.job).toEqual(expected.job);
      expect(got.errors).toEqual(expected.errors);
      expect(got.contacts).toEqual(expected.contacts);
      const [{ attempts }] = await db.sql`select attempts from import_jobs where id = ${run.jobId}`;
      expect(attempts).toBeLessThanOrEqual(5);
    }
    // The runs must really have been interrupted, many times.
    expect(kills).toBeGreaterThanOrEqual(RUNS);
  }, 900_000);
});
