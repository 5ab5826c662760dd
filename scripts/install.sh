#!/usr/bin/env bash
# Puts this checkout's ko on PATH: a symlink to ./ko in BIN_DIR (default ~/.local/bin), and the
# pinned Deno installed now rather than on the first call. Run it again after moving the
# checkout. Usage: scripts/install.sh [BIN_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=${1:-$HOME/.local/bin}
target=$bin_dir/ko
if [ -e "$target" ] || [ -L "$target" ]; then
  case $(readlink "$target" 2>/dev/null || true) in
    */ko) ;;
    *)
      echo "install.sh: $target exists and is not a link to a ko launcher; remove it or pass another directory" >&2
      exit 1
      ;;
  esac
fi
"$root/scripts/ensure-deno.sh" >/dev/null
mkdir -p "$bin_dir"
ln -sfn "$root/ko" "$target"
echo "installed $target -> $root/ko"
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "$bin_dir is not on PATH: add it, e.g. export PATH=\"$bin_dir:\$PATH\"" ;;
esac
