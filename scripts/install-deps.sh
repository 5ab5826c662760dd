#!/usr/bin/env bash
# Installs the real components the tests run against (Debian packages), when missing:
# the OCI registry, skopeo, Docker Engine, podman, qemu-user-static, htpasswd, openssl,
# botocore (reference AWS signatures), and shellcheck (which actionlint runs over the
# workflows' scripts).
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have docker-registry || need+=(docker-registry)
have htpasswd || need+=(apache2-utils)
have skopeo || need+=(skopeo)
have dockerd || need+=(docker.io)
have podman || need+=(podman)
have runc || need+=(runc)
have qemu-aarch64-static || need+=(qemu-user-static)
have openssl || need+=(openssl)
have git || need+=(git)
have setcap || need+=(libcap2-bin)
have getfattr || need+=(attr)
have zsh || need+=(zsh)
have fish || need+=(fish)
have tmux || need+=(tmux)
have shellcheck || need+=(shellcheck)
# botocore computes reference AWS SigV4 signatures (tests/helpers/botocore_sigv4.ts).
/usr/bin/python3 -c "import botocore" >/dev/null 2>&1 || need+=(python3-botocore)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! have apt-get; then
  echo "missing test dependencies: ${need[*]} (install them, or run as root on Debian)" >&2
  exit 1
fi
echo "installing test dependencies: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${need[@]}" >/tmp/ko-apt.log 2>&1; then
  apt-get update -qq >>/tmp/ko-apt.log 2>&1
  apt-get install -y --no-install-recommends "${need[@]}" >>/tmp/ko-apt.log 2>&1 || {
    tail -20 /tmp/ko-apt.log >&2
    exit 1
  }
fi
