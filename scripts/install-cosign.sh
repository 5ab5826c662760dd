#!/usr/bin/env bash
# Builds cosign v2 (the last major version with `cosign download sbom`) for the interop tests
# (SBOMs, signatures and attestations: tests/helpers/cosign.ts runs this on first use). Slow
# once: ~10 min cold on 2 cores (several hundred modules); the binary is then kept in the test
# cache (see install-go-tool.sh), so a warm machine skips the build. Prints the binary's path.
exec bash "$(dirname "$0")/install-go-tool.sh" cosign github.com/sigstore/cosign/v2/cmd/cosign v2.6.5
