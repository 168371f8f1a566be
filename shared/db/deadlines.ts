/** @module How long each database call may take before the caller gives up and answers 503: one table for both data ports. */
import { turnBegins } from '../lib/turns.ts';
import { DatabaseError } from './port.ts';

/**
 * Every call not named below: key lookups, single-contact reads and writes, idempotency claims,
 * job reads, the worker's small bookkeeping calls. Short enough that any route answers 503 within
 * about 3 s when the database is down or frozen (every route authenticates first with such a call).
 */
export const DEFAULT_DEADLINE_MS = 2_500;

const WORKER_DEADLINE_MS = 30_000;

/** Calls that do more work than a lookup, or serve no waiting client, in milliseconds. */
export const DEADLINES_MS: Readonly<Record<string, number>> = {
  // A load balancer's probe wants its answer within 2 s.
  health_ping: 1_500,
  // A single create waits behind an import of the same workspace (both take its contacts lock).
  contact_create: 10_000,
  // 500 rows (or a 20 MB payload stored) in one transaction: well under the 60 s lease of an
  // Idempotency-Key, whose claim the import holds anyway (see idempotency_hold).
  import_run_sync: 25_000,
  import_enqueue: 25_000,
  // The worker serves no waiting client: its calls only must not hang forever, and a busy database
  // should slow it down, not fail its jobs. A chunk is sized to take a few seconds; its lease is 120 s.
  import_job_commit_chunk: 45_000,
  import_job_payload_slice: WORKER_DEADLINE_MS,
  import_job_claim: WORKER_DEADLINE_MS,
  import_job_release: WORKER_DEADLINE_MS,
  webhook_deliveries_claim: WORKER_DEADLINE_MS,
  webhook_delivery_record: WORKER_DEADLINE_MS,
  // Batch-bounded, but each batch is a real delete.
  retention_purge: WORKER_DEADLINE_MS,
  // The keys CLI (an operator waiting at a terminal), not a route.
  api_key_create: 15_000,
  api_key_list: 15_000,
  api_key_revoke: 15_000,
};

/**
 * The server-side backstop: no statement of the postgres.js port runs longer than this even if
 * the client that sent it is gone. Above every deadline, below the 60 s Idempotency-Key lease.
 */
export const STATEMENT_TIMEOUT_MS = 50_000;

/** Per-call overrides (tests, a slower deployment): by function name, or `default`. */
export type DeadlineOverrides = Readonly<Record<string, number>>;

export function deadlineFor(name: string, overrides: DeadlineOverrides = {}): number {
  return overrides[name] ?? DEADLINES_MS[name] ?? overrides.default ?? DEFAULT_DEADLINE_MS;
}

/** The error a call that ran out of time ends with: unavailable, so the gateway answers 503 with Retry-After. */
export function deadlineExceeded(name: string, ms: number): DatabaseError {
  return new DatabaseError(`database call ${name} did not finish within ${ms} ms`, undefined, true);
}

/**
 * Settles with `work`, or rejects with `deadlineExceeded` after `ms`, calling `onExpire` once so
 * the caller can cancel what is still running. The work's own late outcome is swallowed.
 */
export function withDeadline<T>(name: string, ms: number, work: PromiseLike<T>, onExpire: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const expire = () => {
      if (done) return;
      done = true;
      reject(deadlineExceeded(name, ms));
      onExpire();
    };
    // The verdict waits one more turn of the event loop: when other work held the loop past the
    // deadline, timers run before pending I/O, and an answer already waiting in the socket must win.
    const timer = setTimeout(() => setTimeout(expire, 0), ms);
    work.then(
      (value) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        // The answer arrived by I/O: what follows runs in a task of its own.
        turnBegins();
        resolve(value);
      },
      (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
