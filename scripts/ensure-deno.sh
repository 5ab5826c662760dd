#!/usr/bin/env bash
# Prints the path of the pinned Deno binary, installing it project-locally from npm when the
# `deno` on PATH is missing or is another version. Usage: DENO=$(scripts/ensure-deno.sh)
set -euo pipefail
DENO_VERSION=2.9.6
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"

if command -v deno >/dev/null 2>&1 && deno --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  command -v deno
  exit 0
fi
if [ -x "$tools/bin/deno" ] && "$tools/bin/deno" --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  echo "$tools/bin/deno"
  exit 0
fi
echo "installing deno $DENO_VERSION into $tools (npm)" >&2
mkdir -p "$tools/bin"
# A package.json of its own keeps npm away from the project root (a root node_modules would
# switch Deno into node_modules resolution mode).
[ -f "$tools/package.json" ] || echo '{"private":true}' >"$tools/package.json"
npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION" >&2
ln -sf ../node_modules/deno/deno "$tools/bin/deno"
"$tools/bin/deno" --version >&2
echo "$tools/bin/deno"
