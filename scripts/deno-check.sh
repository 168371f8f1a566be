#!/usr/bin/env bash
# Type-checks both Edge Function entries under the Edge Runtime's Deno (2.1.x, from scripts/tools,
# which scripts/ensure-test-deps.sh installs) and under the newest Deno (the devDependency `deno`).
# Both are called by path: they share the bin name `deno`. Locally the npm packages come from node_modules
# (--node-modules-dir=manual); what is deployed resolves them from the registry instead
# (tests/deploy/rehearsal.test.ts boots exactly that).
set -euo pipefail
cd "$(dirname "$0")/.."
entries=(functions/api-gateway/index.ts functions/import-worker/index.ts)
for bin in scripts/tools/node_modules/deno/bin.cjs node_modules/deno/bin.cjs; do
  node "$bin" check --quiet --node-modules-dir=manual "${entries[@]}" \
    || { echo "deno check failed under $(node "$bin" --version | head -n 1)" >&2; exit 1; }
done
