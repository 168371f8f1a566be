/** @module The published document at work against `npm start` (its server and worker): a client generated from it, and the /docs page in a real headless Chromium. */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { freePort, ROOT, run, type Server, startServer } from '../support/processes.ts';

const db = await freshDatabase();
let server: Server;
let base: string;
let key: string;
let docsUrl: string;

beforeAll(async () => {
  const env = {
    DATABASE_URL: db.url,
    PORT: String(await freePort()),
    LEADLEX_LOCAL_DIR: await mkdtemp(join(tmpdir(), 'leadlex-live-')),
  };
  server = await startServer('npm', ['start'], env, /curl .*\/v1\/contacts -H/);
  const out = server.output();
  base = /listening on (http:\/\/\S+)/.exec(out)![1]!;
  key = /dev key:\s+(wbk_[A-Za-z0-9]+)/.exec(out)![1]!;
  docsUrl = /docs:\s+(http:\/\/\S+)/.exec(out)![1]!;
}, 120_000);
afterAll(() => server?.stop());

describe('a client generated with openapi-typescript and openapi-fetch', () => {
  it(
    'type-checks under tsc --strict and imports (sync, with an Idempotency-Key), queues, polls and lists',
    async () => {
      await mkdir(join(ROOT, '.local'), { recursive: true });
      // Inside the checkout, so the program resolves openapi-fetch and @types/node from its node_modules.
      const dir = await mkdtemp(join(ROOT, '.local', 'client-'));
      const generated = await run(
        join(ROOT, 'node_modules/.bin/openapi-typescript'),
        [`${base}/v1/openapi.json`, '--output', join(dir, 'api.ts')],
        {},
        120_000,
      );
      expect(generated.code, generated.stderr).toBe(0);
      await copyFile(join(ROOT, 'tests/client/import-client.ts'), join(dir, 'import-client.ts'));
      const compilerOptions = {
        strict: true,
        skipLibCheck: true,
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        allowImportingTsExtensions: true,
        noEmit: true,
        types: ['node'],
      };
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['import-client.ts'] }));
      const checked = await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir, '--strict'], {}, 240_000);
      expect(checked.stdout + checked.stderr).toBe('');
      expect(checked.code).toBe(0);

      const ran = await run(process.execPath, ['--import', 'tsx', join(dir, 'import-client.ts')], {
        API_BASE_URL: base,
        API_KEY: key,
      }, 180_000);
      expect(ran.code, ran.stderr).toBe(0);
      const out = JSON.parse(ran.stdout);
      expect(out.sync).toMatchObject({
        status: 200,
        result: { status: 'completed', created_count: 2, skipped_count: 0 },
        replayed: 'true',
        sameJob: true,
      });
      expect(out.queued).toMatchObject({ accepted: 202, status: 'completed', created_count: 750, total_rows: 750 });
      expect(out.listed).toEqual({ jane: ['Jane Doe'], total: 752 });
      await rm(dir, { recursive: true, force: true });
    },
    600_000,
  );
});

/** The flags CI runs Chromium with: headless, no sandbox (root in a container), and nothing that reaches the network on its own. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('GET /docs', () => {
  it(
    'renders the reference in headless Chromium, with the import operation and its example, loading nothing from elsewhere',
    async () => {
      expect(docsUrl).toBe(`${base}/docs`);
      const artifacts = await mkdtemp(join(tmpdir(), 'leadlex-docs-'));
      // launchPersistentContext passes a fresh --user-data-dir (this folder) itself.
      const context = await chromium.launchPersistentContext(join(artifacts, 'profile'), {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_FLAGS,
        viewport: { width: 1400, height: 1000 },
      });
      try {
        const requested: string[] = [];
        context.on('request', (r) => requested.push(r.url()));
        const page = context.pages()[0] ?? (await context.newPage());
        // Generous waits: the page parses a 4.8 MB script, and CI machines are shared.
        const res = await page.goto(docsUrl, { waitUntil: 'domcontentloaded', timeout: 120_000 });
        expect(res?.status()).toBe(200);
        // Scalar renders sections as they are reached: open the operation from the sidebar, as a reader would.
        await page.getByText('Imports', { exact: true }).first().click({ timeout: 180_000 });
        await page.getByText('Bulk-import contacts from JSON rows or CSV').first().click({ timeout: 60_000 });
        const heading = page.getByRole('heading', { name: /Bulk-import contacts from JSON rows or CSV/ }).first();
        await heading.waitFor({ state: 'visible', timeout: 60_000 });
        // Its request example (the "JSON rows" example, in the request snippet) is shown with it.
        const example = page.getByText(/fair-2026/).first();
        await example.waitFor({ state: 'visible', timeout: 60_000 });
        const screenshot = join(artifacts, 'docs.png');
        await page.screenshot({ path: screenshot });
        console.log(`GET /docs screenshot: ${screenshot}`);
        const elsewhere = requested.filter((u) =>
          !u.startsWith(`${base}/`) && !u.startsWith('data:') && !u.startsWith('blob:')
        );
        expect(elsewhere).toEqual([]);
        expect(requested).toContain(`${base}/docs/scalar.js`);
        expect(requested).toContain(`${base}/v1/openapi.json`);
      } finally {
        await context.close();
      }
    },
    600_000,
  );
});
