#!/usr/bin/env bash
# Builds crane (go-containerregistry's registry CLI) for the interop tests: an independent
# reader of what we push, whose `crane validate` fetches every blob and checks each digest,
# each layer's diff_id and the config against the manifest. ~1 min cold, instant after that.
# Prints the binary's path (see install-go-tool.sh for where it is kept).
exec bash "$(dirname "$0")/install-go-tool.sh" crane \
  github.com/google/go-containerregistry/cmd/crane v0.21.7
