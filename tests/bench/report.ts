/** @module The benchmark's outputs: the machine it ran on, the plain-text table for people, and the JSON files for comparing runs. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { ScenarioResult } from './scenario.ts';
import type { BenchStack } from './stack.ts';
import { round } from './stats.ts';

export const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;
const REPO_ROOT = new URL('../../', import.meta.url).pathname;

export interface MachineInfo {
  cpu: string;
  cpus: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  redis: string;
  /** 1-minute load average when the run started and ended: the machine is shared, so a busy neighbour shows here. */
  loadAverage: { start: number; end?: number };
}

export async function machineInfo(stack: BenchStack, loadAtStart: number): Promise<MachineInfo> {
  const cpus = os.cpus();
  const [{ version }] = await stack.sql<{ version: string }[]>`select version()`;
  const redisInfo = await fetchRedisVersion(stack);
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: version,
    redis: redisInfo,
    loadAverage: { start: round(loadAtStart) },
  };
}

async function fetchRedisVersion(stack: BenchStack): Promise<string> {
  // The limiter's own client is not exposed; one INFO over a short-lived connection is enough.
  const { Redis } = await import('ioredis');
  const client = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    client.disconnect();
  }
}

export function machineLine(m: MachineInfo): string {
  const pg = /^PostgreSQL [\d.]+/.exec(m.postgres)?.[0] ?? m.postgres;
  const load = `load avg (1 min) ${m.loadAverage.start}${
    m.loadAverage.end === undefined ? '' : ` → ${m.loadAverage.end}`
  }`;
  return `machine: ${m.cpu} × ${m.cpus}, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}, ${pg}, Redis ${m.redis}; ${load}`;
}

/** The checkout's commit, read from .git without running git, so saved results say what they measured. */
export function currentCommit(): string | null {
  try {
    let gitDir = join(REPO_ROOT, '.git');
    if (!existsSync(gitDir)) return null;
    if (statSync(gitDir).isFile()) gitDir = readFileSync(gitDir, 'utf8').replace(/^gitdir:\s*/, '').trim();
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const commonDir = existsSync(join(gitDir, 'commondir'))
      ? join(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim())
      : gitDir;
    for (const dir of [gitDir, commonDir]) {
      if (existsSync(join(dir, ref))) return readFileSync(join(dir, ref), 'utf8').trim();
    }
    const packed = join(commonDir, 'packed-refs');
    if (existsSync(packed)) {
      return readFileSync(packed, 'utf8').split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
    }
    return null;
  } catch {
    return null;
  }
}

export interface Comparison {
  scenario: string;
  baseline: string;
  p50DeltaMs: number;
  meanDeltaMs: number;
}

/** Each scenario minus its baseline, where both ran: the cost of the layer the scenario adds. */
export function comparisons(results: readonly ScenarioResult[]): Comparison[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const out: Comparison[] = [];
  for (const r of results) {
    const base = r.baseline ? byName.get(r.baseline) : undefined;
    if (!base) continue;
    out.push({
      scenario: r.name,
      baseline: base.name,
      p50DeltaMs: round(r.latency.p50 - base.latency.p50),
      meanDeltaMs: round(r.latency.mean - base.latency.mean),
    });
  }
  return out;
}

function targetText(r: ScenarioResult): string {
  if (!r.target) return r.pass === undefined ? '' : '(set by group)';
  const parts = [];
  if (r.target.p50 !== undefined) parts.push(`p50≤${r.target.p50}`);
  if (r.target.p99 !== undefined) parts.push(`p99≤${r.target.p99}`);
  if (r.target.description) parts.push(r.target.description);
  return parts.join(' ');
}

const ms = (v: number) => v.toFixed(2);

export function table(results: readonly ScenarioResult[]): string {
  const deltas = new Map(comparisons(results).map((c) => [c.scenario, c]));
  const header = [
    'scenario',
    'kind',
    'n',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'mean ms',
    'max ms',
    'rows/s',
    'others',
    'Δp50 vs baseline',
    'target',
    'result',
  ];
  const rows = results.map((r) => {
    const d = deltas.get(r.name);
    return [
      r.name,
      r.kind,
      String(r.latency.n),
      ms(r.latency.p50),
      ms(r.latency.p95),
      ms(r.latency.p99),
      ms(r.latency.mean),
      ms(r.latency.max),
      r.rowsPerSecond === undefined ? '' : String(r.rowsPerSecond),
      r.othersCores === undefined ? '' : r.othersCores.toFixed(2),
      d ? `${d.p50DeltaMs >= 0 ? '+' : ''}${ms(d.p50DeltaMs)} (${d.baseline})` : '',
      targetText(r),
      r.pass === undefined ? '' : r.pass ? 'pass' : 'MISSED',
    ];
  });
  const numeric = new Set([2, 3, 4, 5, 6, 7, 8, 9]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Above this many cores taken by other programs, a scenario's latencies are not comparable. */
export const BUSY_CORES = 0.2;

/** Names the scenarios a busy neighbour (a test run, a build) disturbed, from the measured CPU of other programs. */
export function busyWarning(results: readonly ScenarioResult[], m: MachineInfo): string | null {
  const disturbed = results.filter((r) => (r.othersCores ?? 0) > BUSY_CORES);
  if (!disturbed.length) return null;
  return `NOTE: other programs used CPU during ${disturbed.length} of ${results.length} scenarios (column "others", in cores of ${m.cpus}): ${
    disturbed.map((r) => r.name).join(', ')
  }; those latencies are inflated, rerun on a quiet machine before comparing`;
}

export function missedLines(results: readonly ScenarioResult[]): string[] {
  return results
    .filter((r) => r.pass === false)
    .map((r) => `MISSED: ${r.name} p50 ${ms(r.latency.p50)} ms, p99 ${ms(r.latency.p99)} ms; target ${targetText(r)}`);
}

export interface BenchReport {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  commit: string | null;
  machine: MachineInfo;
  options: { quick: boolean; iterations?: number; warmup?: number; groups: string[] };
  results: ScenarioResult[];
  comparisons: Comparison[];
  missed: string[];
  /** Why the numbers may not be comparable (a busy machine, a quick run). */
  notes: string[];
}

/** Writes bench-<timestamp>.json, and latest.json unless it is a quick run (whose numbers are not comparable). */
export async function writeReport(report: BenchReport): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const text = JSON.stringify(report, null, 2) + '\n';
  const files = [join(RESULTS_DIR, `bench-${stamp}${report.options.quick ? '-quick' : ''}.json`)];
  if (!report.options.quick) files.push(join(RESULTS_DIR, 'latest.json'));
  for (const f of files) await writeFile(f, text);
  return files;
}
