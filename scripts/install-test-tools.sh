#!/usr/bin/env bash
# Builds every Go program the test suite runs against, from the Go module proxy, into the test
# cache ($KO_TEST_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts), so that no test is ignored for a missing
# peer: cosign, crane, actionlint, the referrers registry, and a real kube-apiserver with etcd.
# Each is built once per machine (about 20 minutes in all when cold on 2 cores, mostly
# kube-apiserver and cosign); a warm machine finds them all and returns at once. The long
# builds run side by side. A failure prints the end of its log and the exit is non-zero.
set -uo pipefail
scripts=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
start=$(date +%s)
build() {
  local name=$1
  shift
  ("$@" >"$log/$name.log" 2>&1; echo $? >"$log/$name.rc") &
}
build kube-apiserver bash "$scripts/install-kube-test-server.sh"
build cosign bash "$scripts/install-cosign.sh"
(
  bash "$scripts/install-crane.sh" &&
    bash "$scripts/actionlint.sh" -version &&
    bash "$scripts/install-referrers-registry.sh"
) >"$log/small.log" 2>&1
echo $? >"$log/small.rc"
wait
failed=0
for rc in "$log"/*.rc; do
  name=$(basename "$rc" .rc)
  if [ "$(cat "$rc")" != 0 ]; then
    echo "install-test-tools: building $name failed:" >&2
    tail -20 "$log/$name.log" >&2
    failed=1
  fi
done
elapsed=$(($(date +%s) - start))
[ "$elapsed" -lt 5 ] || echo "test tools built in ${elapsed}s (cached for later runs)" >&2
exit "$failed"
