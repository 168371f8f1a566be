/**
 * Slow: the leadlex-import command on a 45 MiB CSV, which must go as three parts under the 20 MiB
 * request limit, cut on record boundaries (multi-line quoted fields included). About 1–4 minutes
 * on the shared 2-core machine, depending on its load; prints the time and rows/s it measured.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { type CliApi, runCli, startCliApi } from '../support/import-cli.ts';

const db = await freshDatabase();
let api: CliApi;
let dir: string;
beforeAll(async () => {
  api = await startCliApi(db);
  dir = await mkdtemp(join(tmpdir(), 'leadlex-import-large-'));
}, 150_000);
afterAll(async () => {
  await api?.server.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const TARGET_BYTES = 45 * 1024 * 1024;

/** Rows of about 250 bytes; every 10th has a quoted note over two lines with commas and quotes. */
async function writeLargeCsv(file: string): Promise<number> {
  const out = createWriteStream(file);
  const filler = 'x'.repeat(120);
  let bytes = 0;
  let rows = 0;
  const write = (s: string) => {
    bytes += Buffer.byteLength(s);
    return out.write(s);
  };
  write('First Name,Last Name,Email,Company,Job Title,Notes\n');
  while (bytes < TARGET_BYTES) {
    rows++;
    const note = rows % 10 === 0
      ? `"met at the fair, ""booth ${rows}""\nsecond line ${filler}"`
      : `plain note ${filler}`;
    if (!write(`Ann${rows},Lee,large${rows}@example.com,Acme ${rows % 97},Engineer,${note}\n`)) {
      await new Promise<void>((r) => out.once('drain', () => r()));
    }
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return rows;
}

describe('leadlex-import, a 45 MiB file (slow)', () => {
  it('goes in three parts and imports every row exactly once', async () => {
    const ws = await api.workspace('cli-large', 1000);
    const file = join(dir, 'large.csv');
    const rows = await writeLargeCsv(file);
    expect((await stat(file)).size).toBeGreaterThanOrEqual(TARGET_BYTES);

    const started = Date.now();
    const out = await runCli([file], ws.env, 900_000);
    const seconds = (Date.now() - started) / 1000;
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toContain(`${rows.toLocaleString('en-US')} rows in 3 part(s)`);
    expect(out.stdout).toContain(
      `${rows.toLocaleString('en-US')} rows, ${
        rows.toLocaleString('en-US')
      } created, 0 updated, 0 skipped (0 with errors)`,
    );

    const jobs = await db
      .sql`select total_rows, created_count, error_count, status from import_jobs where workspace_id = ${ws.workspaceId} order by created_at`;
    expect(jobs).toHaveLength(3);
    expect(jobs.every((j) => j.status === 'completed' && j.error_count === 0)).toBe(true);
    expect(jobs.reduce((s, j) => s + j.created_count, 0)).toBe(rows);
    const [c] = await db
      .sql`select count(*)::int as n, count(distinct email)::int as emails from contacts where workspace_id = ${ws.workspaceId}`;
    expect(c).toEqual({ n: rows, emails: rows });
    console.log(
      `[import-cli-large] ${rows} rows, 45 MiB, 3 parts: ${seconds.toFixed(1)} s, ${
        Math.round(rows / seconds)
      } rows/s (load average ${
        loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')
      })`,
    );
  }, 900_000);
});
