import { defineConfig } from 'vitest/config';

// Five projects, named for what they hold (README: "Tests"):
//   unit                  no database, no process: seconds.
//   integration:postgres  every HTTP integration test over the postgres.js data port,
//   integration:supabase  ... and again over supabase-js, so a defect in either adapter fails CI.
//   integration:once      quick integration tests that run once because no single adapter is under
//                         test: SQL grants and SQL-level behaviour (contact ids, workspace triggers, the
//                         whole-batch insert), both adapters side by side, the document through its linters.
//   slow                  what starts processes, clusters or browsers, or loads a million rows: crash
//                         safety, `npm start`, the CLIs, Deno, the deploy rehearsal, the Supabase CLI,
//                         pg_cron on a private cluster, the executed matching plans, the generated client
//                         and /docs in Chromium.
// `npx vitest run --project 'integration:*'` runs the three integration projects.
const UNIT = ['tests/unit/**/*.test.ts'];
const ONCE = [
  'tests/contract/openapi-lint.test.ts',
  'tests/integration/contact-ids.test.ts',
  'tests/integration/contact-workspace.test.ts',
  'tests/integration/data-ports.test.ts',
  'tests/integration/grants.test.ts',
  'tests/integration/import-whole-insert.test.ts',
  'tests/integration/migrate.test.ts',
];
const SLOW = [
  'tests/contract/openapi-live.test.ts',
  'tests/deno/**/*.test.ts',
  'tests/deploy/**/*.test.ts',
  'tests/integration/import-cli.test.ts',
  'tests/integration/import-cli-large.test.ts',
  'tests/integration/keys-cli.test.ts',
  'tests/integration/matching-plans.test.ts',
  'tests/integration/npm-start.test.ts',
  'tests/integration/pg-cron.test.ts',
  'tests/integration/supabase-cli.test.ts',
  'tests/integration/worker-bundle.test.ts',
  'tests/integration/worker-crash-safety.test.ts',
];
const PER_PORT = ['tests/integration/**/*.test.ts'];
const TIMEOUTS = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    globalSetup: ['tests/support/global-setup.ts'],
    ...TIMEOUTS,
    // Two cores: two test files at a time keeps Postgres and the runner from starving each other.
    maxWorkers: 2,
    projects: [
      // No database: not extending the root config keeps the template database out of it.
      { test: { name: 'unit', include: UNIT, ...TIMEOUTS } },
      {
        extends: true,
        test: {
          name: 'integration:postgres',
          include: PER_PORT,
          exclude: [...ONCE, ...SLOW],
          provide: { dataPort: 'postgres' },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration:supabase',
          include: PER_PORT,
          exclude: [...ONCE, ...SLOW],
          provide: { dataPort: 'supabase' },
        },
      },
      { extends: true, test: { name: 'integration:once', include: ONCE } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
