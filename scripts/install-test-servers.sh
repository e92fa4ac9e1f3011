#!/usr/bin/env bash
# Install the programs that tests start on their own (a redis-server they can stop and start
# again on a spare port; Chromium for the browser tests in test/browser), from Debian
# packages, when they are missing. Idempotent; run as
# root or with sudo available. PostgreSQL and the shared Redis are services of the machine,
# not installed here.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The browser tests drive /usr/bin/chromium with playwright-core (test/support/browser.ts);
# they never download a browser of their own.
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "test servers present: $(redis-server --version | cut -d' ' -f1-3); $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The package may start a system redis-server on 6379; tests use their own on spare ports,
# and the machine's Redis (if any) keeps running as it was.
