#!/usr/bin/env bash
# Type-checks both Edge Function entries under the Edge Runtime's Deno (2.1.x, npm alias deno-edge)
# and under the newest Deno (npm deno). Both are called by path: the two packages share the bin
# name `deno`, so `npx deno` may be either. Locally the npm packages come from node_modules
# (--node-modules-dir=manual); what is deployed resolves them from the registry instead
# (tests/deploy/rehearsal.test.ts boots exactly that).
set -euo pipefail
cd "$(dirname "$0")/.."
entries=(functions/api-gateway/index.ts functions/import-worker/index.ts)
for pkg in deno-edge deno; do
  node "node_modules/$pkg/bin.cjs" check --quiet --node-modules-dir=manual "${entries[@]}" \
    || { echo "deno check failed under $(node "node_modules/$pkg/bin.cjs" --version | head -n 1)" >&2; exit 1; }
done
