#!/usr/bin/env bash
# What the tests need beyond npm packages, installed when missing (this machine kind runs as root):
# Debian's pg_cron for the server's major version (the pg_cron test runs a private cluster with it),
# and Debian's chromium (the /docs test drives it headless through playwright-core).
# Anything that cannot be had fails here, loudly, instead of as a confusing test failure later.
set -euo pipefail

major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
[ -n "$major" ] || { echo "ensure-test-deps: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }

if [ ! -f "/usr/lib/postgresql/$major/lib/pg_cron.so" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: pg_cron is missing; install it with: sudo apt-get install postgresql-$major-cron" >&2
    exit 1
  fi
  echo "ensure-test-deps: installing postgresql-$major-cron"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "postgresql-$major-cron" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "postgresql-$major-cron" >/dev/null; }
  [ -f "/usr/lib/postgresql/$major/lib/pg_cron.so" ] || { echo "ensure-test-deps: postgresql-$major-cron did not install" >&2; exit 1; }
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
