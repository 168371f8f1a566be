/** @module `npm run worker` first runs this: the worker bundle (scripts/lib/worker-bundle.ts) built from the current sources. */
import { buildWorkerBundle } from './lib/worker-bundle.ts';

await buildWorkerBundle();
