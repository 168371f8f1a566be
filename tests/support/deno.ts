/** @module The two pinned Deno versions, by path: npm `deno` (the newest, a devDependency) and the Edge Runtime's 2.1.x (scripts/tools, installed by scripts/ensure-test-deps.sh). */
import { ROOT } from './processes.ts';

export const DENO_LATEST = `${ROOT}node_modules/deno/bin.cjs`;
export const DENO_EDGE = `${ROOT}scripts/tools/node_modules/deno/bin.cjs`;
