/**
 * @module Giving other requests (and /health) a turn during long work: no request may hold the
 * event loop for more than ~50 ms (issue 15). Used by request parsing and row preparation alike.
 */

/**
 * When the current stretch of work began: the last turn given, or the last time work resumed from
 * I/O (`turnBegins`). One clock for all: a phase that starts its own count on entry (body decoding,
 * then shape checks, then JSON parsing, then CSV parsing…) would add its ~10 ms to what the phases
 * before it ran in the same task.
 */
let lastTurn = performance.now();

/**
 * Work resumes in a fresh task (a request arrived, a database call answered): the event loop was
 * free just before, so the stretch starts now. Without this mark the time spent waiting would count
 * as work, and every request would give a turn it does not need.
 */
export function turnBegins(): void {
  lastTurn = performance.now();
}

type Immediate = (run: () => void) => unknown;

/**
 * setImmediate runs after pending I/O without the ~1 ms that setTimeout(0) waits (Node, and Deno since some release after 2.1: 2.9 has it);
 * Deno 2.1 has only setTimeout. (A MessageChannel message would be cheaper still, but both runtimes
 * drain such messages before I/O: measured, requests starve.)
 */
const setImmediateOrTimeout: Immediate = typeof (globalThis as { setImmediate?: Immediate }).setImmediate === 'function'
  ? (globalThis as unknown as { setImmediate: Immediate }).setImmediate
  : (run) => setTimeout(run, 0);

/** Lets timers and I/O run before continuing (a resolved promise would not: microtasks run first). */
const yieldToEventLoop = () =>
  new Promise<void>((resolve) =>
    setImmediateOrTimeout(() => {
      turnBegins();
      resolve();
    })
  );

/** How long work may run before it gives a turn; well below the 50 ms goal, since steps vary. */
const TURN_MS = 10;

/**
 * Whether the work since the last turn has run for TURN_MS. A loop over many small items asks this
 * first (`if (turnDue()) await giveTurn()`): awaiting giveTurn itself costs a promise and a
 * microtask per item even when no turn is due (~800 bytes of garbage a row in the worker).
 */
export function turnDue(): boolean {
  return performance.now() - lastTurn >= TURN_MS;
}

/** Yields when the work since the last turn has run for TURN_MS; cheap enough to ask per row. */
export async function giveTurn(): Promise<void> {
  if (!turnDue()) return;
  await yieldToEventLoop();
}
