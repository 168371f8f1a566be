/**
 * @module `npm run bench`: builds the local stack once, runs the scenario groups asked for, prints
 * the table and saves the numbers. Exits 0 when a target is missed (a benchmark, not a test) and
 * non-zero only when it could not measure (setup failed, or an answer was wrong).
 */
import os from 'node:os';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  busyWarning,
  comparisons,
  currentCommit,
  machineInfo,
  machineLine,
  missedLines,
  table,
  writeReport,
} from './report.ts';
import type { BenchOptions, ScenarioGroup, ScenarioResult } from './scenario.ts';
import * as breakdown from './scenarios-breakdown.ts';
import * as neighbour from './scenarios-neighbour.ts';
import * as hostile from './scenarios-hostile.ts';
import * as overhead from './scenarios-overhead.ts';
import * as parallel from './scenarios-parallel.ts';
import * as queued from './scenarios-queued.ts';
import * as sync from './scenarios-sync.ts';
import { type BenchStack, startStack } from './stack.ts';
import { round } from './stats.ts';

/** In run order. A new group (e.g. queued imports) is one module exporting name, description and run. */
/** The neighbour group runs last: it leaves a million-contact workspace behind. */
export const GROUPS: ScenarioGroup[] = [sync, overhead, breakdown, queued, parallel, hostile, neighbour];

const USAGE = `usage: npm run bench -- [--quick] [--only <group>[,<group>]] [--iterations N] [--warmup N]

  --quick         smoke run: at most 10 measured + 2 warm-up iterations per scenario
  --only          run only these groups: ${GROUPS.map((g) => g.name).join(', ')}
  --iterations N  measured requests per scenario (env BENCH_ITERATIONS); default per scenario
  --warmup N      warm-up requests per scenario (env BENCH_WARMUP); default per scenario

Database server: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres
(a database leadlex_bench_<pid> is created there and dropped at the end). Redis: REDIS_URL.
Results: tests/bench/results/bench-<timestamp>.json and latest.json (quick runs: only the first, suffixed -quick).`;

function count(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${flag} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const only = (values.only ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((g) => !GROUPS.some((x) => x.name === g));
  if (unknown.length) {
    throw new Error(`unknown group ${unknown.join(', ')}; groups: ${GROUPS.map((g) => g.name).join(', ')}`);
  }
  return {
    help: values.help,
    groups: only.length ? GROUPS.filter((g) => only.includes(g.name)) : GROUPS,
    quick: values.quick,
    iterations: count(values.iterations ?? process.env.BENCH_ITERATIONS, '--iterations', 1),
    warmup: count(values.warmup ?? process.env.BENCH_WARMUP, '--warmup', 0),
  };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const opts: BenchOptions = { quick: parsed.quick, iterations: parsed.iterations, warmup: parsed.warmup, progress };
  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg()[0];

  let stack: BenchStack | undefined;
  let interrupted = false;
  // Ctrl-C must still drop the database and the Redis keys.
  const onSignal = () => {
    interrupted = true;
    progress('interrupted; cleaning up');
    void (stack?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    stack = await startStack({ progress });
    progress(`serving on ${stack.baseUrl}`);
    const machine = await machineInfo(stack, loadAtStart);
    const results: ScenarioResult[] = [];
    for (const group of parsed.groups) {
      progress(`group ${group.name}: ${group.description}`);
      results.push(...(await group.run(stack, opts)));
    }

    machine.loadAverage.end = round(os.loadavg()[0]);
    const missed = missedLines(results);
    console.log('');
    console.log(machineLine(machine));
    const notes = [
      opts.quick ? 'quick run: numbers are a smoke test, not a measurement' : null,
      busyWarning(results, machine),
    ].filter((n): n is string => n !== null);
    for (const n of notes) console.log(n);
    console.log('');
    console.log(table(results));
    console.log('');
    for (const m of missed) console.log(m);
    if (!missed.length && results.some((r) => r.target)) console.log('all targets met');

    const files = await writeReport({
      schema: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      commit: currentCommit(),
      machine,
      options: {
        quick: opts.quick,
        iterations: opts.iterations,
        warmup: opts.warmup,
        groups: parsed.groups.map((g) => g.name),
      },
      results,
      comparisons: comparisons(results),
      missed,
      notes,
    });
    console.log(`results: ${files.map((f) => relative(process.cwd(), f)).join(', ')}`);
    return 0;
  } catch (err) {
    // After Ctrl-C the in-flight request fails because the server is closing; that is not news.
    if (!interrupted) console.error(`\nBENCH ABORTED: ${(err as Error).stack ?? err}`);
    return 1;
  } finally {
    await stack?.close();
  }
}

process.exitCode = await main();
