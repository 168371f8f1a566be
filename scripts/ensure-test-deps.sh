#!/usr/bin/env bash
# What the tests need beyond npm packages, installed when missing (this machine kind runs as root):
# Debian packages (pg_cron, plpgsql_check, chromium for the /docs browser test, bsdutils), pinned npm
# tools under scripts/tools, and a Python package the published examples need.
# Anything that cannot be had fails here, loudly, instead of as a confusing test failure later.
set -euo pipefail

major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
[ -n "$major" ] || { echo "ensure-test-deps: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }

# Debian packages for the server's major version: pg_cron (the pg_cron test's private cluster) and
# plpgsql_check (what `supabase db lint` runs, in the Supabase CLI test).
missing=()
[ -f "/usr/lib/postgresql/$major/lib/pg_cron.so" ] || missing+=("postgresql-$major-cron")
[ -f "/usr/lib/postgresql/$major/lib/plpgsql_check.so" ] || missing+=("postgresql-$major-plpgsql-check")
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "ensure-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
  for lib in pg_cron plpgsql_check; do
    [ -f "/usr/lib/postgresql/$major/lib/$lib.so" ] || { echo "ensure-test-deps: $lib did not install" >&2; exit 1; }
  done
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
  echo "ensure-test-deps: installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
  [ -x /usr/bin/chromium ] || { echo "ensure-test-deps: chromium did not install" >&2; exit 1; }
fi

python3 -c 'import requests' 2>/dev/null || {
  echo "ensure-test-deps: the published Python example needs the requests package (python3 -m pip install requests)" >&2
  exit 1
}

# `script` (util-linux, Debian's bsdutils) runs the import command under a pseudo-terminal in its test.
command -v script >/dev/null || {
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: script is missing; install it with: sudo apt-get install bsdutils" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q bsdutils >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q bsdutils >/dev/null; }
}

# Deno 2.1.4 (the Edge Runtime's) and the Supabase CLI, pinned in scripts/tools/package.json and
# installed there from the npm registry (see that file for why they are not devDependencies).
tools="$(dirname "$0")/tools"
installed() { node -p "require('./$tools/node_modules/$1/package.json').version" 2>/dev/null; }
wanted() { node -p "require('./$tools/package.json').dependencies['$1']"; }
if [ "$(installed deno)" != "$(wanted deno)" ] || [ "$(installed supabase)" != "$(wanted supabase)" ]; then
  echo "ensure-test-deps: installing Deno $(wanted deno) and the Supabase CLI $(wanted supabase) into $tools"
  (cd "$tools" && npm install --no-package-lock --no-audit --no-fund >/dev/null) || { echo "ensure-test-deps: the pinned tools did not install" >&2; exit 1; }
  [ "$(installed deno)" = "$(wanted deno)" ] && [ "$(installed supabase)" = "$(wanted supabase)" ] || { echo "ensure-test-deps: the pinned tools did not install" >&2; exit 1; }
fi
