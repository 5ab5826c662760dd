#!/usr/bin/env bash
# The whole test suite: installs what it needs (pinned Deno, the registry, Docker Engine, the Go
# peers built from the module proxy…), runs the static checks and every test, and ends with the
# plain line "N passed, N failed".
set -uo pipefail # no -e: every check runs and is counted
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bash scripts/install-deps.sh || exit 1
deno=$(scripts/ensure-deno.sh) || exit 1
PATH="$(dirname "$deno"):$PATH"
export PATH

passed=0
failed=0
check() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "FAILED: $name" >&2
    failed=$((failed + 1))
  fi
}
# The Go peers the tests run against (cosign, crane, kube-apiserver…): built once, then cached.
# A peer that cannot be built is a failure here, and the tests that need it say so.
check "Go peers for the tests" bash scripts/install-test-tools.sh
check "deno fmt --check" "$deno" fmt --check
check "deno lint" "$deno" lint
check "deno check" "$deno" check main.ts src tests scripts

report=$(mktemp -d)/junit.xml
# A hung test must not hang CI: the whole run is bounded (the suite takes a few minutes).
timeout --kill-after=30 1500 "$deno" test -A --junit-path="$report" "$@" tests/
ignored=0
if [ -s "$report" ]; then
  # Count test cases (steps included) from the JUnit report Deno writes; an ignored test (a
  # component that cannot run here) is a <skipped/> case, neither passed nor failed.
  t=$(grep -o '<testcase ' "$report" | wc -l)
  f=$(grep -c '<failure' "$report" || true)
  ignored=$(grep -c '<skipped' "$report" || true)
  passed=$((passed + t - f - ignored))
  failed=$((failed + f))
else
  failed=$((failed + 1))
fi
[ "$ignored" -eq 0 ] || echo "$ignored ignored (each names its reason above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
