/** @module A scheduler loop for processes that are not driven by pg_cron (the embedded default, a self-hosted worker): tick at once while work remains, else every interval. */
import type { Logger } from '../lib/logger.ts';
import { silentLogger } from '../lib/logger.ts';

export interface LoopOptions {
  tick: () => Promise<{ more: boolean }>;
  /** Pause between ticks when the last found nothing more to do. */
  idleMs?: number;
  /** Jobs that run every `everyMs` (e.g. the idempotency purge pg_cron runs elsewhere). */
  periodic?: { everyMs: number; run: () => Promise<unknown> }[];
  logger?: Logger;
}

export interface Loop {
  /** Runs a tick soon (e.g. right after a job was queued) instead of at the next interval. */
  wake(): void;
  /** Stops after the tick in progress, if any. */
  stop(): Promise<void>;
}

export function startLoop({ tick, idleMs = 1000, periodic = [], logger = silentLogger }: LoopOptions): Loop {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  const lastRun = periodic.map(() => 0);

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), ms);
  };

  const run = async () => {
    if (running || stopped) return;
    let more = false;
    running = (async () => {
      try {
        more = (await tick()).more;
      } catch (err) {
        logger.log('error', 'worker tick failed', {
          error_name: (err as Error)?.name,
          error_message: (err as Error)?.message,
        });
      }
      for (const [i, p] of periodic.entries()) {
        if (Date.now() - lastRun[i] < p.everyMs) continue;
        lastRun[i] = Date.now();
        await p.run().catch((err) =>
          logger.log('error', 'periodic job failed', { error_message: (err as Error)?.message })
        );
      }
    })();
    await running;
    running = undefined;
    schedule(more ? 0 : idleMs);
  };

  schedule(0);
  return {
    wake: () => {
      if (!running) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
