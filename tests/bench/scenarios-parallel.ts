/**
 * @module Tenants in parallel: four workspaces' 20,000-row queued imports at once, each worker
 * process taking one job, against one such import alone. Nothing may serialise across workspaces
 * (the contacts lock is per workspace, the claim skips locked jobs), so the aggregate rate of four
 * should be well above one's.
 */
import { availableParallelism } from 'node:os';
import { cpuSnapshot, machineCores } from './cpu.ts';
import { contact } from './data.ts';
import { type BenchOptions, expectThat, oneShotResult, type ScenarioResult } from './scenario.ts';
import { runWorker } from './scenarios-queued.ts';
import type { BenchStack } from './stack.ts';

export const name = 'parallel';
export const description = "four tenants' 20,000-row queued imports at once against one alone";

const ROWS = 20_000;
const TENANTS = 4;
/** Issue target: four at once reach at least 1.5× the rate of one alone. */
const MIN_SPEEDUP = 1.5;

let offset = 80_000_000;

function body(rows: number): string {
  const out = [];
  for (let i = 0; i < rows; i++) {
    const c = contact(offset++);
    out.push({
      full_name: `${c.first_name} ${c.last_name}`,
      email: c.email,
      phone: c.phone.replace(/ /g, ''),
      company: c.company,
    });
  }
  return JSON.stringify({ rows: out });
}

/**
 * Enqueues one import per tenant, then runs one worker process per tenant at once; seconds from the
 * first POST to the last completion, and the cores the machine kept busy meanwhile.
 */
async function importAtOnce(
  stack: BenchStack,
  tenants: number,
  rows: number,
): Promise<{ seconds: number; cores?: number }> {
  const keys = await Promise.all(
    Array.from({ length: tenants }, (_, i) => stack.createKey(`parallel-${tenants}-${i}-${Date.now()}`)),
  );
  const bodies = keys.map(() => body(rows));
  const cpu = await cpuSnapshot(stack);
  const started = performance.now();
  const jobs = await Promise.all(
    keys.map(async (k, i) => {
      const res = await stack.request('POST', '/v1/import/contacts', { body: bodies[i], key: k.key });
      expectThat(res.status === 202, 'parallel', 'status 202', `${res.status} ${res.text.slice(0, 300)}`);
      return JSON.parse(res.text).data.job_id as string;
    }),
  );
  await Promise.all(keys.map(() => runWorker(stack)));
  const seconds = (performance.now() - started) / 1000;
  const cores = machineCores(cpu);
  const done = await stack.sql`select status, created_count from import_jobs where id in ${stack.sql(jobs)}`;
  expectThat(
    done.length === tenants && done.every((j) => j.status === 'completed' && j.created_count === rows),
    'parallel',
    `${tenants} jobs completed with ${rows} created`,
    done,
  );
  return { seconds, cores };
}

export async function run(stack: BenchStack, opts: BenchOptions): Promise<ScenarioResult[]> {
  const rows = opts.quick ? 5_000 : ROWS;
  // Unmeasured: the first import of a process pays for compiling the import path and warming the
  // server's caches, which made `--only parallel` report 1.63-1.73× where the same code, warm, gave 1.14-1.32×.
  opts.progress(`  warm-up: one tenant, ${rows} rows (not measured)`);
  await importAtOnce(stack, 1, rows);
  opts.progress(`  one tenant: ${rows} rows`);
  const alone = await importAtOnce(stack, 1, rows);
  opts.progress(`  ${TENANTS} tenants at once: ${rows} rows each`);
  const together = await importAtOnce(stack, TENANTS, rows);
  const [one, four] = [alone.seconds, together.seconds];
  const speedup = (TENANTS * rows) / four / (rows / one);
  opts.progress(`  aggregate rate ${TENANTS} tenants = ${speedup.toFixed(2)}× one tenant (target ≥ ${MIN_SPEEDUP}×)`);
  // Tenants share the machine's cores: four at once gain only from what one alone left idle, so the
  // busy cores say how much room there was.
  if (alone.cores !== undefined && together.cores !== undefined) {
    opts.progress(
      `  cores busy (of ${availableParallelism()}): one tenant ${alone.cores.toFixed(2)}, ${TENANTS} at once ${
        together.cores.toFixed(2)
      }`,
    );
  }
  return [
    oneShotResult(
      name,
      'tenant-1-alone',
      `one ${rows}-row queued import, one worker process, POST to completed`,
      rows,
      one,
    ),
    oneShotResult(
      name,
      `tenants-${TENANTS}-at-once`,
      `${TENANTS} workspaces' ${rows}-row imports, a worker process each; aggregate ${speedup.toFixed(2)}× one alone`,
      TENANTS * rows,
      four,
      {
        target: { description: `aggregate rate ≥ ${MIN_SPEEDUP}× one tenant alone` },
        pass: speedup >= MIN_SPEEDUP,
      },
    ),
  ];
}
