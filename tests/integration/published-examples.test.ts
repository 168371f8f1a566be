import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey, type TestKey } from '../support/fixtures.ts';
import { ROOT, run, type Server, startServer } from '../support/processes.ts';

const db = await freshDatabase();
let server: Server;
let base: string;
let key: TestKey;
const dir = mkdtempSync(join(tmpdir(), 'leadlex-examples-'));

beforeAll(async () => {
  key = await createKey(db.port, { workspace: 'examples' });
  server = await startServer('npx', ['tsx', 'tests/support/serve-app.ts'], db.serverEnv, /READY \d+/);
  base = `http://127.0.0.1:${/READY (\d+)/.exec(server.output())![1]}`;
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  await db.sql`delete from contacts`;
});

/** The published sample with its host and placeholder key swapped for the local server and a real key. */
function localised(file: string): string {
  const text = readFileSync(join(ROOT, 'tests/fixtures/published-examples', file), 'utf8')
    .replaceAll('https://data.leadlex.com', base)
    .replaceAll('wbk_your_api_key_here', key.key);
  const path = join(dir, file);
  writeFileSync(path, text);
  return path;
}

const expectedShape = {
  job_id: expect.stringMatching(/^imp_[0-9A-HJKMNP-TV-Z]{26}$/),
  status: 'completed',
  created_count: 2,
  updated_count: 0,
  skipped_count: 0,
  errors: [],
};

describe('the published examples', () => {
  it('cURL', async () => {
    const res = await run('bash', [localised('import.sh')]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).data).toMatchObject(expectedShape);
  });

  it('Python (requests)', async () => {
    const res = await run('python3', [localised('import.py')]);
    expect(res.stderr).toBe('');
    // Python prints its dict repr; the fields and values are what the page documents.
    expect(res.stdout).toMatch(/'job_id': 'imp_[0-9A-HJKMNP-TV-Z]{26}'/);
    expect(res.stdout).toContain("'status': 'completed'");
    expect(res.stdout).toContain("'created_count': 2, 'updated_count': 0, 'skipped_count': 0, 'errors': []");
  });

  it('JavaScript (fetch)', async () => {
    const res = await run('node', [localised('import.mjs')]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject(expectedShape);
  });
});
