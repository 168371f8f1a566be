/**
 * @module Builds the Node worker into one plain-JS file, its npm packages included, so the worker
 * process runs without tsx (tsx's module hooks run in a thread of their own, a second V8 isolate
 * that alone cost the worker about 40 MB of its peak RSS) and starts without resolving, reading
 * and compiling a few hundred modules: with the packages left as imports from node_modules its
 * start took 0.24-0.27 s of CPU, bundled 0.13-0.15 s (an empty queue, this 2-core machine).
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('../../', import.meta.url).pathname;
/**
 * Two folders below the root, as the sources under scripts/lib are: a bundled module that finds a
 * file relative to itself (local-dir.ts's `../../.local/`) then finds the same file. Directly in
 * .local, the bundle's `../../.local/` was a folder beside the project.
 */
export const WORKER_BUNDLE = `${ROOT}.local/worker/worker.mjs`;

/**
 * V8 flags of the worker process, under Node and under Deno alike. A small old space keeps it
 * bounded like an Edge Function; a small young generation keeps RSS near what is live: the worker
 * holds 20-40 MB of objects, yet with the default young generation its heap stood at 70 MB under
 * Node, and under Deno (whose heap limit follows the machine's memory) the process reached 260 MB.
 * Measured on a 200,000-row CSV job (peak RSS, Deno): no flags 262 MB, semi-space 4 MB 134, 2 MB 129.
 */
export const WORKER_V8_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=2'];

/** The same flags as Node takes them, and as Deno takes them. */
export const WORKER_NODE_FLAGS = WORKER_V8_FLAGS;
export const WORKER_DENO_FLAGS = [`--v8-flags=${WORKER_V8_FLAGS.join(',')}`];

/** (Re)builds the bundle and returns its path; written aside and renamed, so concurrent builds never leave a torn file. */
export async function buildWorkerBundle(): Promise<string> {
  const aside = `${WORKER_BUNDLE}.${process.pid}.tmp`;
  await mkdir(dirname(WORKER_BUNDLE), { recursive: true });
  await build({
    entryPoints: [`${ROOT}scripts/worker.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: aside,
    logLevel: 'warning',
  });
  await rename(aside, WORKER_BUNDLE);
  return WORKER_BUNDLE;
}
