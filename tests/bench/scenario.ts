/** @module The contract between `run.ts` and scenario groups, and the one measuring loop they all share so every number is taken the same way. */
import { type CpuSnapshot, cpuSnapshot, othersCores } from './cpu.ts';
import type { BenchStack } from './stack.ts';
import { type LatencySummary, round, summarise } from './stats.ts';

export interface BenchOptions {
  /** Overrides every scenario's own default when set (`--iterations`, `BENCH_ITERATIONS`). */
  iterations?: number;
  /** Overrides every scenario's warm-up count when set (`--warmup`, `BENCH_WARMUP`). */
  warmup?: number;
  /** A smoke run: a handful of iterations, numbers not meant to be compared. */
  quick: boolean;
  /** Progress lines go to stderr so stdout stays the report. */
  progress(line: string): void;
}

/** Upper bounds in milliseconds; a scenario passes when every bound it names holds. */
export interface Target {
  p50?: number;
  p99?: number;
  /** A target that is not a latency bound (throughput, memory), shown as written; the group sets `pass` itself. */
  description?: string;
}

export interface ScenarioResult {
  group: string;
  name: string;
  description: string;
  /** Data rows per request, for import scenarios (rows/s is derived from it). */
  rows?: number;
  warmup: number;
  latency: LatencySummary;
  /** Wall time of the measured requests alone (excludes building inputs and checking answers). */
  totalSeconds: number;
  rowsPerSecond?: number;
  target?: Target;
  pass?: boolean;
  /** Name of the scenario this one is compared with (its p50/mean are subtracted in the report). */
  baseline?: string;
  /** `http` goes through the server; `in-process` calls a piece directly, to attribute time. */
  kind: 'http' | 'in-process';
  /** Cores other programs kept busy meanwhile (Linux); well above 0 means the numbers are inflated. */
  othersCores?: number;
}

/** A group of scenarios that share setup; `run.ts` runs the groups it is asked for, in order. */
export interface ScenarioGroup {
  name: string;
  description: string;
  run(stack: BenchStack, opts: BenchOptions): Promise<ScenarioResult[]>;
}

export interface ScenarioSpec<T, R> {
  group: string;
  name: string;
  description: string;
  rows?: number;
  kind?: ScenarioResult['kind'];
  /** Defaults used unless BenchOptions overrides them. */
  iterations: number;
  warmup: number;
  target?: Target;
  baseline?: string;
  /** Runs once before the warm-up, untimed (e.g. refreshing planner statistics). */
  before?(): Promise<unknown>;
  /** Builds input `i` (warm-up included) outside the timed section, so client-side work is not counted. */
  prepare(i: number): T | Promise<T>;
  /** The timed part. */
  send(input: T): Promise<R>;
  /** Throws when the answer is not what the scenario claims to measure. */
  check(result: R, input: T, i: number): void | Promise<void>;
}

/** A wrong answer aborts the whole run: a benchmark of failing requests is worthless. */
export class BenchCheckError extends Error {
  override name = 'BenchCheckError';
}

export function expectThat(condition: unknown, scenario: string, what: string, got?: unknown): asserts condition {
  if (!condition) {
    const shown = got === undefined
      ? ''
      : `; got ${typeof got === 'string' ? got.slice(0, 600) : JSON.stringify(got)?.slice(0, 600)}`;
    throw new BenchCheckError(`[${scenario}] expected ${what}${shown}`);
  }
}

export function effectiveCounts(opts: BenchOptions, iterations: number, warmup: number) {
  if (opts.quick) {
    return { iterations: opts.iterations ?? Math.min(iterations, 10), warmup: opts.warmup ?? Math.min(warmup, 2) };
  }
  return { iterations: opts.iterations ?? iterations, warmup: opts.warmup ?? warmup };
}

/**
 * Warm-up first (JIT, connection pools, Postgres plan and catalog caches), then sequential
 * measured calls: one request at a time is the latency a single client sees, which is what the
 * targets are about.
 */
export async function measure<T, R>(
  spec: ScenarioSpec<T, R>,
  opts: BenchOptions,
  stack?: BenchStack,
): Promise<ScenarioResult> {
  const { iterations, warmup } = effectiveCounts(opts, spec.iterations, spec.warmup);
  const samples: number[] = [];
  opts.progress(`  ${spec.name}: ${warmup} warm-up + ${iterations} measured`);
  await spec.before?.();
  let cpuBefore: CpuSnapshot | undefined;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup && stack) cpuBefore = await cpuSnapshot(stack);
    const input = await spec.prepare(i);
    const started = performance.now();
    const result = await spec.send(input);
    const elapsed = performance.now() - started;
    await spec.check(result, input, i);
    if (i >= warmup) samples.push(elapsed);
  }
  const others = stack ? await othersCores(stack, cpuBefore) : undefined;
  // The limiter fails open and only logs, so a Redis hiccup would silently remove its cost.
  const faults = stack?.takeFaults() ?? [];
  if (faults.length) {
    throw new BenchCheckError(`[${spec.name}] the server logged problems: ${faults.slice(0, 3).join(' | ')}`);
  }

  const latency = summarise(samples);
  const totalMs = samples.reduce((a, b) => a + b, 0);
  const result: ScenarioResult = {
    group: spec.group,
    name: spec.name,
    description: spec.description,
    warmup,
    latency: roundSummary(latency),
    totalSeconds: round(totalMs / 1000, 3),
    kind: spec.kind ?? 'http',
  };
  if (others !== undefined) result.othersCores = round(others);
  if (spec.rows !== undefined) {
    result.rows = spec.rows;
    result.rowsPerSecond = Math.round((spec.rows * samples.length) / (totalMs / 1000));
  }
  if (spec.baseline) result.baseline = spec.baseline;
  if (spec.target) {
    result.target = spec.target;
    result.pass = (spec.target.p50 === undefined || latency.p50 <= spec.target.p50) &&
      (spec.target.p99 === undefined || latency.p99 <= spec.target.p99);
  }
  return result;
}

function roundSummary(s: LatencySummary): LatencySummary {
  return {
    n: s.n,
    p50: round(s.p50),
    p95: round(s.p95),
    p99: round(s.p99),
    mean: round(s.mean),
    min: round(s.min),
    max: round(s.max),
  };
}

/** A scenario measured once end to end (a queued job from POST to completed), in the shape of the others. */
export function oneShotResult(
  group: string,
  label: string,
  description: string,
  rows: number,
  seconds: number,
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  const ms = Math.round(seconds * 1000);
  return {
    group,
    name: label,
    description,
    rows,
    warmup: 0,
    latency: { n: 1, p50: ms, p95: ms, p99: ms, mean: ms, min: ms, max: ms },
    totalSeconds: Math.round(seconds * 1000) / 1000,
    rowsPerSecond: Math.round(rows / seconds),
    kind: 'http',
    ...extra,
  };
}
