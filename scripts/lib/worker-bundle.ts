/**
 * @module Builds the Node worker into one plain-JS file (npm packages stay imports from
 * node_modules), so the worker process runs without tsx: tsx's module hooks run in a thread of
 * their own, a second V8 isolate that alone cost the worker about 40 MB of its peak RSS.
 */
import { rename } from 'node:fs/promises';
import { build } from 'esbuild';

const ROOT = new URL('../../', import.meta.url).pathname;
export const WORKER_BUNDLE = `${ROOT}.local/worker.mjs`;

/** Node flags of the worker process: a small old space keeps it bounded like an Edge Function. */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=128'];

/** (Re)builds the bundle and returns its path; written aside and renamed, so concurrent builds never leave a torn file. */
export async function buildWorkerBundle(): Promise<string> {
  const aside = `${WORKER_BUNDLE}.${process.pid}.tmp`;
  await build({
    entryPoints: [`${ROOT}scripts/worker.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: aside,
    logLevel: 'warning',
  });
  await rename(aside, WORKER_BUNDLE);
  return WORKER_BUNDLE;
}
