/** @module The two pinned Deno versions, by path: npm `deno` (the newest) and the alias `deno-edge` (the Edge Runtime's 2.1.x). They share the bin name `deno`, so `npx deno` may be either. */
import { ROOT } from './processes.ts';

export const DENO_LATEST = `${ROOT}node_modules/deno/bin.cjs`;
export const DENO_EDGE = `${ROOT}node_modules/deno-edge/bin.cjs`;
