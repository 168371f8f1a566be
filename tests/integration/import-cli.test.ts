/**
 * The leadlex-import command end to end: `npm start` (gateway + worker) over a test database, the
 * command run as a user runs it, and the outcome read back from the database and the files it writes.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { type CliApi, runCli, spawnCli, startCliApi, watchCli } from '../support/import-cli.ts';
import { run } from '../support/processes.ts';

const db = await freshDatabase();
let api: CliApi;
let dir: string;

beforeAll(async () => {
  api = await startCliApi(db);
  dir = await mkdtemp(join(tmpdir(), 'leadlex-import-'));
}, 150_000);
afterAll(async () => {
  await api?.server.stop();
});

/** A CSV of `n` people; the rows `bad` names get an invalid email; every third note spans two lines. */
function peopleCsv(domain: string, n: number, bad: Set<number> = new Set()): string {
  const lines = ['First Name,Last Name,Email,Company,Notes'];
  for (let i = 1; i <= n; i++) {
    const email = bad.has(i) ? `broken-${i}` : `p${i}@${domain}`;
    lines.push(`Ann${i},Lee,${email},Acme,${i % 3 === 0 ? '"first line\nsecond, with comma"' : 'plain'}`);
  }
  return lines.join('\n') + '\n';
}

async function contacts(workspaceId: string) {
  const [row] = await db
    .sql`select count(*)::int as n, count(distinct lower(email))::int as emails from contacts where workspace_id = ${workspaceId}`;
  return row as { n: number; emails: number };
}

describe('leadlex-import', () => {
  it(
    'imports a small CSV, reports each bad row with its line and cells in <file>.errors.csv, and that file imports again once fixed',
    async () => {
      const ws = await api.workspace('cli-small');
      const file = join(dir, 'small.csv');
      await writeFile(
        file,
        'Name,Email,Phone,Note\r\nJane Doe,jane@acme.com,+49 30 1234567,"two\r\nlines"\r\nBad Mail,not-an-email,,"=1+1"\r\n\r\nBob,bob@beta.com,,x\r\nWrong Phone,w@beta.com,call me,y\r\n',
      );
      const out = await runCli([file, '--tags', 'fair,cli'], ws.env);
      expect(out.code, out.stderr).toBe(1);
      expect(out.stdout).toContain('4 rows, 2 created, 0 updated, 2 skipped (2 with errors)');
      expect(out.stdout).toContain(`Row errors: ${file}.errors.csv`);
      expect(out.stdout).not.toContain('\x1b[');

      const report = parse(await readFile(`${file}.errors.csv`, 'utf8')) as string[][];
      expect(report).toEqual([
        ['row_number', 'line', 'code', 'message', 'Name', 'Email', 'Phone', 'Note'],
        ['2', '4', 'invalid_email', expect.stringContaining('not-an-email'), 'Bad Mail', 'not-an-email', '', '=1+1'],
        ['4', '7', 'invalid_phone', expect.any(String), 'Wrong Phone', 'w@beta.com', 'call me', 'y'],
      ]);
      const rows = await db.sql`select email, tags from contacts where workspace_id = ${ws.workspaceId} order by email`;
      expect(rows.map((r) => r.email)).toEqual(['bob@beta.com', 'jane@acme.com']);
      expect(rows[0].tags).toEqual(['fair', 'cli']);

      // Fix the two rows in the report and import the report itself: its own columns are ignored.
      const fixed = (await readFile(`${file}.errors.csv`, 'utf8')).replace(',not-an-email,', ',bad@acme.com,').replace(
        ',call me,',
        ',+49 30 901820,',
      );
      await writeFile(join(dir, 'fixed.csv'), fixed);
      const again = await runCli([join(dir, 'fixed.csv')], ws.env);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.stdout).toContain('2 rows, 2 created, 0 updated, 0 skipped (0 with errors)');
      expect(await contacts(ws.workspaceId)).toEqual({ n: 4, emails: 4 });
    },
    300_000,
  );

  it('splits a file into parts on record boundaries and numbers rows and lines against the original file', async () => {
    const ws = await api.workspace('cli-parts');
    const file = join(dir, 'parts.csv');
    const bad = new Set([7, 1500, 2999]);
    await writeFile(file, peopleCsv('parts.example', 3000, bad));
    const out = await runCli([file, '--max-part-bytes', '60000'], ws.env);
    expect(out.code, out.stderr).toBe(1);
    const parts = Number(/3,000 rows in (\d+) part\(s\)/.exec(out.stdout)?.[1]);
    expect(parts).toBeGreaterThanOrEqual(3);
    expect(out.stdout).toContain('3,000 rows, 2,997 created, 0 updated, 3 skipped (3 with errors)');

    const original = (await readFile(file, 'utf8')).split('\n');
    const report = parse(await readFile(`${file}.errors.csv`, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(report.map((r) => r.row_number)).toEqual(['7', '1500', '2999']);
    for (const r of report) {
      // The reported line is where the row starts in the original file.
      expect(original[Number(r.line) - 1]).toMatch(new RegExp(`^Ann${r.row_number},Lee,broken-${r.row_number},`));
      expect(r.Email).toBe(`broken-${r.row_number}`);
    }
    // Row 1500 had a quoted two-line note: its cells come back whole.
    expect(report[1].Notes).toBe('first line\nsecond, with comma');
    expect(await contacts(ws.workspaceId)).toEqual({ n: 2997, emails: 2997 });
    const jobs = await db
      .sql`select count(*)::int as n, sum(total_rows)::int as rows from import_jobs where workspace_id = ${ws.workspaceId}`;
    expect(jobs[0]).toEqual({ n: parts, rows: 3000 });
  }, 300_000);

  it(
    'after a SIGKILL in the middle, the same command replays the parts already sent and imports nothing twice',
    async () => {
      const ws = await api.workspace('cli-kill');
      const file = join(dir, 'kill.csv');
      await writeFile(file, peopleCsv('kill.example', 2400));
      const args = [file, '--max-part-bytes', '50000', '--update-existing'];
      const first = watchCli(spawnCli(args, ws.env));
      const accepted = await first.waitFor(/part 1\/(\d+): .* accepted as (imp_\w+) \(queued\)/);
      process.kill(first.child.pid!, 'SIGKILL');
      expect((await first.done).signal).toBe('SIGKILL');

      const again = await runCli(args, ws.env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain(`accepted as ${accepted[2]} (already sent earlier, replayed)`);
      expect(again.stdout).toContain('2,400 rows, 2,400 created, 0 updated, 0 skipped (0 with errors)');
      const jobs = await db
        .sql`select count(*)::int as n, sum(created_count)::int as created from import_jobs where workspace_id = ${ws.workspaceId}`;
      expect(jobs[0]).toEqual({ n: Number(accepted[1]), created: 2400 });
      expect(await contacts(ws.workspaceId)).toEqual({ n: 2400, emails: 2400 });
    },
    300_000,
  );

  it('Ctrl-C leaves the queued job running and says how to follow it', async () => {
    const ws = await api.workspace('cli-sigint');
    const file = join(dir, 'sigint.csv');
    await writeFile(file, peopleCsv('sigint.example', 1800));
    const cli = watchCli(spawnCli([file, '--max-part-bytes', '50000'], ws.env));
    const accepted = await cli.waitFor(/part 1\/\d+: .* accepted as (imp_\w+) \(queued\)/);
    process.kill(cli.child.pid!, 'SIGINT');
    const out = await cli.done;
    expect(out.code).toBe(130);
    expect(out.stderr).toContain(`Job ${accepted[1]} (part 1/`);
    expect(out.stderr).toContain(`${api.url}/v1/import/jobs/${accepted[1]}`);
    expect(out.stderr).toMatch(/\d+ part\(s\) not sent yet/);
    // The job goes on without the command.
    for (let i = 0; i < 120; i++) {
      const [job] = await db.sql`select status from import_jobs where id = ${accepted[1]}`;
      if (job.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const [job] = await db.sql`select status, created_count from import_jobs where id = ${accepted[1]}`;
    expect(job.status).toBe('completed');
  }, 300_000);

  it('imports JSON arrays and NDJSON; a JSON row error keeps the original object in the report', async () => {
    const ws = await api.workspace('cli-json');
    const rows = Array.from(
      { length: 700 },
      (_, i) => ({ full_name: `J ${i + 1}`, email: i === 41 ? 'nope' : `j${i + 1}@json.example`, tags: ['t'] }),
    );
    await writeFile(join(dir, 'rows.json'), JSON.stringify(rows, null, 2));
    const out = await runCli([join(dir, 'rows.json'), '--max-part-bytes', '30000'], ws.env);
    expect(out.code, out.stderr).toBe(1);
    expect(out.stdout).toContain('700 rows, 699 created, 0 updated, 1 skipped (1 with errors)');
    const report = parse(await readFile(join(dir, 'rows.json.errors.csv'), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    expect(report).toEqual([{
      row_number: '42',
      line: String(2 + 41 * 7),
      code: 'invalid_email',
      message: expect.any(String),
      row: JSON.stringify(rows[41]),
    }]);

    await writeFile(
      join(dir, 'more.ndjson'),
      rows.slice(0, 3).map((r) => JSON.stringify({ ...r, email: r.email.replace('json', 'nd') })).join('\n') + '\n',
    );
    const nd = await runCli([join(dir, 'more.ndjson')], ws.env);
    expect(nd.code, nd.stderr).toBe(0);
    expect(await contacts(ws.workspaceId)).toEqual({ n: 702, emails: 702 });
  }, 300_000);

  it('exit codes: 2 for usage errors, 3 with the envelope message when the API refuses', async () => {
    const ws = await api.workspace('cli-codes');
    const file = join(dir, 'codes.csv');
    await writeFile(file, 'Email\na@codes.example\n');
    expect((await runCli([], ws.env)).code).toBe(2);
    expect((await runCli([file, '--bogus'], ws.env)).code).toBe(2);
    expect((await runCli([join(dir, 'missing.csv')], ws.env)).code).toBe(2);
    const noKey = await runCli([file], { LEADLEX_API_URL: api.url, LEADLEX_API_KEY: '' });
    expect(noKey).toMatchObject({ code: 2, stderr: expect.stringContaining('no API key') });
    await writeFile(join(dir, 'latin1.csv'), Buffer.from('Email,Name\nx@y.de,M\xfcller\n', 'latin1'));
    expect((await runCli([join(dir, 'latin1.csv')], ws.env)).stderr).toContain('is not UTF-8');

    const refused = await runCli([file, '--key', 'wbk_' + 'x'.repeat(40)], ws.env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      '401 invalid_key: The API key is missing, malformed, unknown, revoked or expired.',
    );
    const readOnly = await api.workspace('cli-codes-read-only');
    await db.sql`update api_keys set scopes = '{read:contacts}' where workspace_id = ${readOnly.workspaceId}`;
    const forbidden = await runCli([file, '--key', readOnly.key], ws.env);
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('403 insufficient_permissions');

    const ok = await runCli([file], ws.env);
    expect(ok.code).toBe(0);
    const dup = await runCli([file, '--tags', 'again'], ws.env);
    expect(dup.code, 'a duplicate is skipped, not an error').toBe(0);
    expect(dup.stdout).toContain('1 rows, 0 created, 0 updated, 1 skipped (0 with errors)');
  }, 300_000);

  it('runs as the package bin through npx and npm run import', async () => {
    const viaNpx = await run('npx', ['--no-install', 'leadlex-import', '--help']);
    expect(viaNpx.code, viaNpx.stderr).toBe(0);
    expect(viaNpx.stdout).toContain('Usage: leadlex-import');
    const viaNpm = await run('npm', ['run', '--silent', 'import', '--', '--help']);
    expect(viaNpm.stdout).toContain('Usage: leadlex-import');
  }, 300_000);

  it('on a terminal draws a progress bar with rate and ETA (under a pseudo-terminal)', async () => {
    const ws = await api.workspace('cli-tty');
    const file = join(dir, 'tty.csv');
    await writeFile(file, peopleCsv('tty.example', 2400));
    const command = `node bin/leadlex-import.js ${file} --max-part-bytes 50000`;
    const out = await run('script', ['-q', '-e', '-c', command, '/dev/null'], ws.env);
    expect(out.code, out.stdout).toBe(0);
    const frames = out.stdout.split('\r\x1b[2K').map((f) => f.trim());
    const bars = frames.filter((f) => f.startsWith('['));
    expect(bars.length).toBeGreaterThan(3);
    for (const bar of bars) {
      expect(bar).toMatch(/^\[[#-]{30}\] +\d+\.\d% {2}[\d,]+\/2,400 rows {2}[\d,]+ rows\/s {2}ETA (\d\d:\d\d|--:--)/);
    }
    expect(bars.at(-1)).toMatch(/^\[#{30}\] 100\.0% {2}2,400\/2,400 rows/);
    expect(bars.some((b) => /ETA \d\d:\d\d {2}part 1\/\d/.test(b) && !/^\[#{30}\]/.test(b))).toBe(true);
    expect(out.stdout).toContain('2,400 rows, 2,400 created');
  }, 300_000);
});
