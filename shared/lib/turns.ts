/**
 * @module Giving other requests (and /health) a turn during long work: no request may hold the
 * event loop for more than ~50 ms (issue 15). Used by request parsing and row preparation alike.
 */

/**
 * When long work last gave the event loop a turn. One clock for all: a phase that starts its own
 * count on entry (body decoding, then shape checks, then JSON parsing, then CSV parsing…) would
 * add its ~10 ms to what the phases before it ran in the same task.
 */
let lastTurn = performance.now();

/** Lets timers and I/O run before continuing (a resolved promise would not: microtasks run first). */
const yieldToEventLoop = () =>
  new Promise<void>((resolve) =>
    setTimeout(() => {
      lastTurn = performance.now();
      resolve();
    }, 0)
  );

/** How long work may run before it gives a turn; well below the 50 ms goal, since steps vary. */
const TURN_MS = 10;

/** Yields when the work since the last turn has run for TURN_MS; cheap enough to ask per row. */
export class Turns {
  async give(): Promise<void> {
    if (performance.now() - lastTurn < TURN_MS) return;
    await yieldToEventLoop();
  }
}
