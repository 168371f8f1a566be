/**
 * @module Giving other requests (and /health) a turn during long work: no request may hold the
 * event loop for more than ~50 ms (issue 15). Used by request parsing and row preparation alike.
 */

/** Lets timers and I/O run before continuing (a resolved promise would not: microtasks run first). */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** How long a step may run before it gives a turn; well below the 50 ms goal, since steps vary. */
const TURN_MS = 10;

/** Yields when the work since the last turn has run for TURN_MS; cheap enough to ask per row. */
export class Turns {
  private last = performance.now();

  async give(): Promise<void> {
    if (performance.now() - this.last < TURN_MS) return;
    await yieldToEventLoop();
    this.last = performance.now();
  }
}
