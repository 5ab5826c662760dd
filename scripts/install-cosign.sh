#!/usr/bin/env bash
# Builds cosign v2 (the last major version with `cosign download sbom`) from the Go module
# proxy into a cache directory, for the optional SBOM interop test
# (tests/e2e/cosign_interop_test.ts, skipped where this has not been run). Slow: ~10 min cold
# on 2 cores (several hundred modules), so the test suite does not build it itself. Prints the
# binary's path.
#
#   KO_TEST_CACHE   where to keep it (default ${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts)
set -euo pipefail
version=v2.6.5
cache=${KO_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts}
dir=$cache/cosign-$version
bin=$dir/cosign
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || {
  echo "install-cosign: go is not on PATH" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 GOWORK=off GOFLAGS=-trimpath GOBIN="$tmp" \
  go install "github.com/sigstore/cosign/v2/cmd/cosign@$version" >&2
mkdir -p "$dir"
mv "$tmp/cosign" "$bin"
echo "$bin"
