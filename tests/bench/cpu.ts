/**
 * @module How much CPU other programs took while a scenario ran. The benchmark shares a 2-core
 * machine with test runs and editors; without this a slow number cannot be told apart from a busy
 * neighbour. Linux only (/proc); elsewhere the figure is simply absent.
 */
import { readFileSync } from 'node:fs';
import type { BenchStack } from './stack.ts';

/** Kernel clock ticks per second for /proc times (USER_HZ, 100 on every Linux build that matters). */
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  at: number;
  /** All CPUs, busy ticks (everything but idle and iowait). */
  machineBusy: number;
  /** This process, microseconds. */
  ownMicros: number;
  /** Ticks used so far by each PostgreSQL backend serving the bench database. */
  backends: Map<number, number>;
}

function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  // steal counts as others': the hypervisor gave the time to another guest.
  return user + nice + system + irq + softirq + (steal || 0);
}

function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

async function backendTicks(stack: BenchStack): Promise<Map<number, number>> {
  const rows = await stack.sql<
    { pid: number }[]
  >`select pid from pg_stat_activity where datname = ${stack.databaseName}`;
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const t = processTicks(pid);
    if (t !== undefined) out.set(pid, t);
  }
  return out;
}

export async function cpuSnapshot(stack: BenchStack): Promise<CpuSnapshot | undefined> {
  try {
    const usage = process.cpuUsage();
    return {
      at: performance.now(),
      machineBusy: machineBusyTicks(),
      ownMicros: usage.user + usage.system,
      backends: await backendTicks(stack),
    };
  } catch {
    return undefined;
  }
}

/**
 * Average number of cores the whole machine kept busy since `before` (everything but idle and
 * iowait): what a scenario that runs several processes (worker, PostgreSQL, this one) used.
 */
export function machineCores(before: CpuSnapshot | undefined): number | undefined {
  if (!before) return undefined;
  const seconds = (performance.now() - before.at) / 1000;
  if (seconds < 0.5) return undefined;
  return (machineBusyTicks() - before.machineBusy) / TICKS_PER_SECOND / seconds;
}

/**
 * Average number of cores other programs kept busy between two snapshots (near 0 on a quiet
 * machine). Redis and PostgreSQL's shared helpers (WAL writer, checkpointer) count as others; on
 * their own they stay well under a tenth of a core here.
 */
export async function othersCores(stack: BenchStack, before: CpuSnapshot | undefined): Promise<number | undefined> {
  const after = await cpuSnapshot(stack);
  if (!before || !after) return undefined;
  const seconds = (after.at - before.at) / 1000;
  // /proc counts in 10 ms ticks: over a shorter span the figure would be mostly rounding.
  if (seconds < 0.5) return undefined;
  let backends = 0;
  for (const [pid, ticks] of after.backends) backends += ticks - (before.backends.get(pid) ?? 0);
  const machine = (after.machineBusy - before.machineBusy) / TICKS_PER_SECOND;
  const own = (after.ownMicros - before.ownMicros) / 1e6 + backends / TICKS_PER_SECOND;
  return Math.max(0, (machine - own) / seconds);
}
