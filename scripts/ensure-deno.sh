#!/usr/bin/env bash
# Prints the path of the pinned Deno binary, installing it project-locally from npm when the
# `deno` on PATH is missing or is another version. Usage: DENO=$(scripts/ensure-deno.sh)
# The path found is also written to .tools/deno-path, the stamp that lets ./ko skip this check
# (the stamp counts while it is newer than this file and than the binary it names).
set -euo pipefail
DENO_VERSION=2.9.6
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"

found() {
  { mkdir -p "$tools" && echo "$1" >"$tools/deno-path"; } 2>/dev/null || true
  echo "$1"
  exit 0
}

if command -v deno >/dev/null 2>&1 && deno --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  found "$(command -v deno)"
fi
if [ -x "$tools/bin/deno" ] && "$tools/bin/deno" --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  found "$tools/bin/deno"
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "ko needs Deno $DENO_VERSION: install it (https://docs.deno.com/runtime/getting_started/installation/)," \
    "or install Node.js with npm so that ko can install it into $tools" >&2
  exit 1
fi
echo "installing deno $DENO_VERSION into $tools (npm)" >&2
mkdir -p "$tools/bin"
# A package.json of its own keeps npm away from the project root (a root node_modules would
# switch Deno into node_modules resolution mode).
[ -f "$tools/package.json" ] || echo '{"private":true}' >"$tools/package.json"
npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION" >&2
ln -sf ../node_modules/deno/deno "$tools/bin/deno"
"$tools/bin/deno" --version >&2
found "$tools/bin/deno"
