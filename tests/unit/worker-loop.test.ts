import { describe, expect, it } from 'vitest';
import { startLoop } from '../../shared/worker/loop.ts';

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('the local worker loop', () => {
  it('ticks again at once while there is more work, then waits for the interval or a wake-up', async () => {
    let ticks = 0;
    let purges = 0;
    const loop = startLoop({
      tick: () => Promise.resolve({ more: ++ticks < 3 }),
      idleMs: 60_000,
      periodic: [{ everyMs: 60_000, run: () => Promise.resolve(purges++) }],
    });
    await until(() => ticks === 3);
    await new Promise((r) => setTimeout(r, 50));
    // Idle now: nothing more until woken, and the hourly job ran once, not per tick.
    expect(ticks).toBe(3);
    expect(purges).toBe(1);
    loop.wake();
    await until(() => ticks === 4);
    await loop.stop();
    loop.wake();
    await new Promise((r) => setTimeout(r, 50));
    expect(ticks).toBe(4);
  });

  it('keeps going after a tick that throws, logging it', async () => {
    const lines: string[] = [];
    let ticks = 0;
    const loop = startLoop({
      tick: () => (++ticks === 1 ? Promise.reject(new Error('database away')) : Promise.resolve({ more: false })),
      idleMs: 10,
      logger: { log: (level, msg, f) => lines.push(JSON.stringify({ level, msg, ...f })) },
    });
    await until(() => ticks >= 2);
    await loop.stop();
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'error',
      msg: 'worker tick failed',
      error_message: 'database away',
    });
  });
});
