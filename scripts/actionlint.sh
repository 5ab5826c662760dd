#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint, built from the Go
# module proxy into the test cache on first use (scripts/install-go-tool.sh). actionlint also
# runs shellcheck over each `run:` script when shellcheck is on PATH.
#   actionlint.sh [actionlint args…]   (default: every workflow of this repository)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(bash "$root/scripts/install-go-tool.sh" actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12)
cd "$root"
exec "$bin" "$@"
