/**
 * @module The synchronous import path over HTTP: 500 JSON rows and a 500-row CSV, all new or all
 * matching, the size the issue sets targets for (the largest import answered in the request).
 */
import { SYNC_ROW_LIMIT } from '../../shared/imports/request.ts';
import { type BenchContact, freshContacts, toCsv, toJsonRow } from './data.ts';
import { type BenchOptions, expectThat, measure, type ScenarioResult } from './scenario.ts';
import type { BenchResponse, BenchStack } from './stack.ts';

export const name = 'sync';
export const description = 'POST /v1/import/contacts with 500 rows (JSON and CSV), new and matching';

const ROWS = SYNC_ROW_LIMIT;
const PATH = '/v1/import/contacts';
const CSV_COLUMNS = ['First Name', 'Last Name', 'Email', 'Phone', 'Company', 'Job Title', 'Tags'];

interface Expected {
  created: number;
  updated: number;
  skipped: number;
  csv?: boolean;
}

/** Every answer must be the import the scenario claims: right status, every row counted where expected, no row errors. */
export function checkImport(scenario: string, res: BenchResponse, want: Expected): void {
  expectThat(res.status === 200, scenario, 'status 200', `${res.status} ${res.text}`);
  expectThat(res.headers.get('x-ratelimit-limit') !== null, scenario, 'X-RateLimit-Limit (the limiter answered)');
  const data = JSON.parse(res.text).data;
  expectThat(data?.status === 'completed', scenario, 'status "completed"', data);
  expectThat(
    data.total_rows === want.created + want.updated + want.skipped &&
      data.created_count === want.created &&
      data.updated_count === want.updated &&
      data.skipped_count === want.skipped,
    scenario,
    `created/updated/skipped ${want.created}/${want.updated}/${want.skipped}`,
    {
      total_rows: data.total_rows,
      created: data.created_count,
      updated: data.updated_count,
      skipped: data.skipped_count,
    },
  );
  expectThat(
    Array.isArray(data.errors) && data.errors.length === 0,
    scenario,
    'no row errors',
    data.errors?.slice(0, 3),
  );
  if (want.csv) {
    const used = Object.keys(data.mapping_used ?? {});
    expectThat(
      CSV_COLUMNS.every((c) => used.includes(c)),
      scenario,
      `every column auto-mapped (${CSV_COLUMNS.join(', ')})`,
      data.mapping_used,
    );
  }
}

// Bodies are UTF-8 bytes made before the clock starts, as a client sends what it has: encoding a JS
// string on every request (undici's USVString conversion, ~1.4 ms for 500 rows) is the bench's work.
const utf8 = (text: string) => new TextEncoder().encode(text);
const jsonBody = (contacts: readonly BenchContact[], extra: Record<string, unknown> = {}) =>
  utf8(JSON.stringify({ rows: contacts.map(toJsonRow), ...extra }));
const csvBody = (contacts: readonly BenchContact[], extra: Record<string, unknown> = {}) =>
  utf8(JSON.stringify({ csv: toCsv(contacts), ...extra }));

export async function run(stack: BenchStack, opts: BenchOptions): Promise<ScenarioResult[]> {
  const post = (body: Uint8Array<ArrayBuffer>) => stack.request('POST', PATH, { body });
  // The contacts every "matching" request matches, imported once through the API itself.
  const existing = freshContacts(ROWS);
  checkImport('setup: existing contacts', await post(jsonBody(existing)), { created: ROWS, updated: 0, skipped: 0 });

  // Each scenario starts from current planner statistics (see BenchStack.analyze).
  const common = { group: name, rows: ROWS, iterations: 150, warmup: 10, send: post, before: stack.analyze };

  const results: ScenarioResult[] = [];
  results.push(
    await measure(
      {
        ...common,
        name: 'json-500-new',
        description: '500 JSON rows, every email and phone new',
        target: { p50: 25, p99: 60 },
        prepare: () => jsonBody(freshContacts(ROWS)),
        check: (res) => checkImport('json-500-new', res, { created: ROWS, updated: 0, skipped: 0 }),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'json-500-matching',
        description: '500 JSON rows matching existing contacts, update_existing false (all skipped)',
        prepare: () => jsonBody(existing),
        check: (res) => checkImport('json-500-matching', res, { created: 0, updated: 0, skipped: ROWS }),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'json-500-update',
        description: '500 JSON rows matching existing contacts, update_existing true (all updated)',
        // A changed job title each time, so every update writes something.
        prepare: (i) =>
          jsonBody(existing.map((c) => ({ ...c, job_title: `${c.job_title} ${i}` })), { update_existing: true }),
        check: (res) => checkImport('json-500-update', res, { created: 0, updated: ROWS, skipped: 0 }),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'csv-500-new',
        description: '500-row CSV with header, auto-mapped columns, every email and phone new',
        prepare: () => csvBody(freshContacts(ROWS)),
        check: (res) => checkImport('csv-500-new', res, { created: ROWS, updated: 0, skipped: 0, csv: true }),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'csv-500-matching',
        description: '500-row CSV matching existing contacts, update_existing false (all skipped)',
        prepare: () => csvBody(existing),
        check: (res) => checkImport('csv-500-matching', res, { created: 0, updated: 0, skipped: ROWS, csv: true }),
      },
      opts,
      stack,
    ),
  );
  return results;
}
