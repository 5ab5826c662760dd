#!/usr/bin/env bash
# Builds crane (go-containerregistry's registry CLI) for the interop tests: an independent
# reader of what we push, whose `crane validate` fetches every blob and checks each digest,
# each layer's diff_id and the config against the manifest. Compiled from the Go module proxy
# into a cache directory (never committed); prints the binary's path. ~1 min cold, instant
# after that.
#
#   KO_TEST_CACHE   where to keep it (default ${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts)
set -euo pipefail
version=v0.21.7
cache=${KO_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts}
dir=$cache/crane-$version
bin=$dir/crane
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || {
  echo "install-crane: go is not on PATH" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 GOWORK=off GOFLAGS=-trimpath GOBIN="$tmp" \
  go install "github.com/google/go-containerregistry/cmd/crane@$version" >&2
mkdir -p "$dir"
mv "$tmp/crane" "$bin"
echo "$bin"
