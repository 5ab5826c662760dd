#!/usr/bin/env bash
# Builds cosign v2 (the last major version with `cosign download sbom`) for the optional SBOM
# interop test (tests/e2e/cosign_interop_test.ts, skipped where this has not been run). Slow:
# ~10 min cold on 2 cores (several hundred modules), so the test suite does not build it
# itself. Prints the binary's path (see install-go-tool.sh for where it is kept).
exec bash "$(dirname "$0")/install-go-tool.sh" cosign github.com/sigstore/cosign/v2/cmd/cosign v2.6.5
