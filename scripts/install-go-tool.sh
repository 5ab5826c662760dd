#!/usr/bin/env bash
# Builds a Go command at a pinned version from the Go module proxy into the test cache (never
# committed) and prints the binary's path; a binary already there is reused.
#
#   install-go-tool.sh NAME PACKAGE VERSION
#   KO_TEST_CACHE   where to keep it (default ${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts)
set -euo pipefail
name=$1 package=$2 version=$3
cache=${KO_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts}
dir=$cache/$name-$version
bin=$dir/$name
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || {
  echo "install-go-tool: go is not on PATH (needed to build $name)" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# go's progress ("go: downloading …") is kept out of the output; shown only when the build fails.
if ! CGO_ENABLED=0 GOWORK=off GOFLAGS=-trimpath GOBIN="$tmp" go install "$package@$version" \
  >"$tmp/log" 2>&1; then
  cat "$tmp/log" >&2
  echo "install-go-tool: building $name $version failed" >&2
  exit 1
fi
mkdir -p "$dir"
mv "$tmp/$name" "$bin"
echo "$bin"
