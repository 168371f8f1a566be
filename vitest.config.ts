import { defineConfig } from 'vitest/config';

// Test files that need no database, and the integration files that run ONCE rather than once per
// data port: they test no adapter (SQL grants, the CLI's migrations, cron) or start processes whose
// data port is fixed (the keys CLI, `npm start` on the embedded database, the worker crash test, Deno,
// the deploy rehearsal, the OpenAPI document's tools), or test what no adapter changes (the import
// command's splitting and reruns, the executed plans of the matching queries).
const UNIT = ['tests/unit/**/*.test.ts'];
const ONCE = [
  'tests/contract/**/*.test.ts',
  'tests/deno/**/*.test.ts',
  'tests/deploy/**/*.test.ts',
  'tests/integration/data-ports.test.ts',
  'tests/integration/grants.test.ts',
  'tests/integration/import-cli.test.ts',
  'tests/integration/import-cli-large.test.ts',
  'tests/integration/keys-cli.test.ts',
  'tests/integration/matching-plans.test.ts',
  'tests/integration/npm-start.test.ts',
  'tests/integration/pg-cron.test.ts',
  'tests/integration/supabase-cli.test.ts',
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
    // Every HTTP integration test runs once per data port, so a defect in either adapter fails CI.
    // `npx vitest run --project integration:supabase` runs one of them.
    projects: [
      // No database: not extending the root config keeps the template database out of it.
      { test: { name: 'unit', include: UNIT, ...TIMEOUTS } },
      { extends: true, test: { name: 'integration:postgres', include: PER_PORT, exclude: ONCE, provide: { dataPort: 'postgres' } } },
      { extends: true, test: { name: 'integration:supabase', include: PER_PORT, exclude: ONCE, provide: { dataPort: 'supabase' } } },
      { extends: true, test: { name: 'once', include: ONCE } },
    ],
  },
});
