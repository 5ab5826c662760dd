#!/usr/bin/env bash
# A stand-in for `go` (set as KO_GO_PATH) whose `go build` output is the fixed file named by
# $PARITY_BINARY, so our layers can be compared with the ones real ko made from the same bytes.
# Every other go command is passed to the real go.
if [ "$1" = "build" ]; then
  out=""
  prev=""
  for a in "$@"; do
    [ "$prev" = "-o" ] && out="$a"
    prev="$a"
  done
  exec cp "$PARITY_BINARY" "$out"
fi
exec go "$@"
