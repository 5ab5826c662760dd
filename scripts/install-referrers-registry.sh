#!/usr/bin/env bash
# Builds a registry WITH the OCI 1.1 referrers API for the tests (Debian's distribution 2.8
# has none): go-containerregistry's pkg/registry with WithReferrersSupport(true), behind a
# ten-line main of our own, compiled from the Go module proxy into a cache directory (never
# committed). zot is not served by the module proxy here and distribution v3.1 has no
# referrers API, which is why this one. Prints the binary's path; builds once (~10 s cold).
#
#   KO_TEST_CACHE   where to keep it (default ${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts)
set -euo pipefail
version=v0.21.7
cache=${KO_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts}
bin=$cache/referrers-registry-$version/registry
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || {
  echo "install-referrers-registry: go is not on PATH" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/go.mod" <<EOF
module example.com/referrersregistry

go 1.25

require github.com/google/go-containerregistry $version
EOF
cat >"$work/main.go" <<'EOF'
// A loopback OCI registry with the referrers API, for ko-ts tests: prints
// "listening on 127.0.0.1:PORT" once it accepts connections.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	if err := http.Serve(l, registry.New(registry.WithReferrersSupport(true))); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
EOF
mkdir -p "$(dirname "$bin")"
(
  cd "$work"
  GOFLAGS=-mod=mod GOWORK=off go mod tidy >&2
  CGO_ENABLED=0 GOWORK=off go build -trimpath -o "$bin.tmp" . >&2
)
mv "$bin.tmp" "$bin"
echo "$bin"
