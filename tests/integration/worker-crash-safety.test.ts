import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp } from '../support/fixtures.ts';
import { ROOT, workerNodeArgs } from '../support/processes.ts';
import { rng } from '../support/random.ts';

const db = await freshDatabase();
const api = testApp(db.port);
const ROWS = 30_000;
const RUNS = 16;

/** 30,000 records with repeats (updates), invalid rows and multi-line notes, the same for every run. */
function payload(): string {
  const r = rng(424242);
  const lines = ['Full Name,Email,Phone,Tags,Notes'];
  for (let i = 1; i <= ROWS; i++) {
    const person = r.int(0, 24_000);
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
    body: {
      csv: CSV,
      update_existing: true,
      mapping: { 'Full Name': 'full_name', Email: 'email', Phone: 'phone', Tags: 'tags', Notes: 'custom_fields.notes' },
    },
  });
  expect(res.status).toBe(202);
  return { key, jobId: res.json.data.job_id as string };
}

/** Where a round kills its worker: nowhere, a moment after the claim, or once it has committed some chunks. */
type KillPlan = { at: 'never' } | { at: 'claim'; delayMs: number } | { at: 'chunks'; chunks: number; delayMs: number };

const CHUNK_ROWS = 500;
/** The application_name of the worker's database sessions, so the test can wait for a killed one's to end. */
const WORKER_APP = 'crash-safety-worker';

/**
 * A killed worker's database session lives on until the server notices, and a statement it had
 * already sent still runs: a chunk commit landing then would renew the dead worker's lease for two
 * minutes. Once no session of the worker is left, nothing more can change the job behind the test's back.
 */
async function workerSessionsGone(): Promise<void> {
  for (;;) {
    const [{ n }] = await db
      .sql`select count(*)::int as n from pg_stat_activity where datname = ${db.name} and application_name = ${WORKER_APP}`;
    if (n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function processedRows(jobId: string): Promise<number> {
  const [job] = await db.sql`select processed_rows from import_jobs where id = ${jobId}`;
  return Number(job.processed_rows);
}

/**
 * Runs `npm run worker -- --once` (as node + the worker bundle directly) until it exits, or kills it where `plan`
 * says. Kill points are counted in committed chunks (read from the job row), never in elapsed time,
 * so how fast the machine is changes where inside a chunk a kill lands, never whether the job moves.
 */
async function worker(jobId: string, plan: KillPlan): Promise<'exited' | 'killed'> {
  const args = await workerNodeArgs();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, '--once'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        CHUNK_ROWS: String(CHUNK_ROWS),
        LOG_LEVEL: 'info',
        PGAPPNAME: WORKER_APP,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let armed = false;
    let exited = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const kill = (delayMs: number) => (timer = setTimeout(() => child.kill('SIGKILL'), delayMs));
    const killAfterChunks = async (chunks: number, delayMs: number) => {
      const target = (await processedRows(jobId)) + chunks * CHUNK_ROWS;
      while (!exited && (await processedRows(jobId)) < target) await new Promise((r) => setTimeout(r, 10));
      if (!exited) kill(delayMs);
    };
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      if (plan.at === 'never' || armed || !d.toString().includes('"msg":"import job claimed"')) return;
      armed = true;
      if (plan.at === 'claim') kill(plan.delayMs);
      else void killAfterChunks(plan.chunks, plan.delayMs).catch(reject);
    });
    child.on('exit', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('exited');
      else reject(new Error(`worker exited with ${code}: ${stderr}`));
    });
  });
}

/**
 * A kill soon after the claim may land before the first commit, which the job must survive; but a job
 * fails after five claims without progress, so at most two such kills come in a row. Every other kill
 * waits for 1–24 committed chunks (of the job's 60), then lands at a random point of the next one.
 */
function nextKill(r: ReturnType<typeof rng>, claimKillsInARow: number): KillPlan {
  if (claimKillsInARow < 2 && r.chance(0.25)) return { at: 'claim', delayMs: r.int(0, 300) };
  return { at: 'chunks', chunks: r.int(1, 24), delayMs: r.int(0, 400) };
}

async function outcome(workspaceId: string, jobId: string) {
  const contacts = await db.sql`
    select email_normalized, phone, full_name, tags, custom_fields from contacts
     where workspace_id = ${workspaceId} order by email_normalized nulls last, phone nulls last`;
  const [job] = await db.sql`
    select status, total_rows, processed_rows, created_count, updated_count, skipped_count, error_count
      from import_jobs where id = ${jobId}`;
  const errors = await db
    .sql`select row_number, line, code from import_job_errors where job_id = ${jobId} order by row_number`;
  return { contacts, job, errors };
}

describe('crash safety of queued imports', () => {
  let expected: Awaited<ReturnType<typeof outcome>>;

  beforeAll(async () => {
    const base = await enqueue('crash-baseline');
    expect(await worker(base.jobId, { at: 'never' })).toBe('exited');
    expected = await outcome(base.key.workspaceId, base.jobId);
  }, 600_000);

  it('has an uninterrupted baseline that read every row', () => {
    expect(expected.job).toMatchObject({ status: 'completed', total_rows: ROWS, processed_rows: ROWS });
    expect(expected.job.created_count + expected.job.updated_count + expected.job.skipped_count).toBe(ROWS);
    expect(expected.job.error_count).toBeGreaterThan(0);
  });

  // One test per seed, each with its own generous time limit, so a slow machine stretches a run
  // without putting the whole file against one deadline.
  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))(
    'ends seeded run %i, killed at random points, exactly like the baseline',
    async (seed) => {
      const r = rng(seed);
      const run = await enqueue(`crash-${seed}`);
      let kills = 0;
      let claimKillsInARow = 0;
      for (let round = 0;; round++) {
        expect(round).toBeLessThan(200);
        const plan = nextKill(r, claimKillsInARow);
        const result = await worker(run.jobId, plan);
        const [{ status }] = await db.sql`select status from import_jobs where id = ${run.jobId}`;
        if (status === 'completed' || status === 'failed') break;
        claimKillsInARow = plan.at === 'claim' ? claimKillsInARow + 1 : 0;
        if (result === 'killed') {
          kills++;
          await workerSessionsGone();
          // The dead worker's lease would run out in two minutes; let that time pass now.
          await db
            .sql`update import_jobs set locked_until = now() - interval '1 second' where id = ${run.jobId} and locked_until is not null`;
        }
      }
      const got = await outcome(run.key.workspaceId, run.jobId);
      expect(got.job).toEqual(expected.job);
      expect(got.errors).toEqual(expected.errors);
      expect(got.contacts).toEqual(expected.contacts);
      const [{ attempts }] = await db.sql`select attempts from import_jobs where id = ${run.jobId}`;
      expect(attempts).toBeLessThanOrEqual(5);
      // The run must really have been interrupted.
      expect(kills).toBeGreaterThanOrEqual(1);
    },
    900_000,
  );
});
