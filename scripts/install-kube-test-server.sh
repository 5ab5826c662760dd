#!/usr/bin/env bash
# Builds a real Kubernetes API server (kube-apiserver v1.32.4) and etcd (v3.5.21) from the Go
# module proxy for the kubectl tests (tests/e2e/kubectl_test.ts runs its real-cluster steps only
# when these binaries exist). No package ships them, and a cold build takes about 10 minutes on
# 2 cores (kube-apiserver ~8.5 min, etcd ~1.5 min, measured); scripts/install-test-tools.sh runs
# it before the suite. Idempotent: existing binaries are kept.
#   bash scripts/install-kube-test-server.sh        # → ~/.cache/ko-ts/kube/bin/{kube-apiserver,etcd}
set -euo pipefail
root=${KO_TEST_KUBE_DIR:-${KO_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ko-ts}/kube}
bin=$root/bin
mkdir -p "$bin"

K8S=v1.32.4
STAGING=v0.32.4
ETCD=v3.5.21

if [ ! -x "$bin/kube-apiserver" ]; then
  src=$root/src/kube-apiserver
  mkdir -p "$src"
  # k8s.io/kubernetes pins its staging modules with local replaces; map them to the
  # published versions so the module builds outside its repository.
  staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
    cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms
    kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
    mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller)
  {
    printf 'module kubetestserver\n\ngo 1.23\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S"
    for m in "${staging[@]}"; do printf '\tk8s.io/%s => k8s.io/%s %s\n' "$m" "$m" "$STAGING"; done
    printf ')\n'
  } > "$src/go.mod"
  printf 'package main\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n\nfunc main() {}\n' \
    > "$src/main.go"
  (cd "$src" && go mod tidy && go build -o "$bin/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"
fi

if [ ! -x "$bin/etcd" ]; then
  src=$root/src/etcd
  mkdir -p "$src"
  cat > "$src/go.mod" <<EOF
module etcdtestserver

go 1.23

require go.etcd.io/etcd/server/v3 $ETCD

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD
	go.etcd.io/etcd/client/v2 => go.etcd.io/etcd/client/v2 v2.305.${ETCD#v3.5.}
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD
	go.etcd.io/etcd/raft/v3 => go.etcd.io/etcd/raft/v3 $ETCD
)
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$src/tools.go"
  (cd "$src" && go mod tidy && go build -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$bin/etcd.tmp" "$bin/etcd"
fi

"$bin/kube-apiserver" --version
"$bin/etcd" --version | sed -n 1p # sed reads it all: no SIGPIPE under pipefail
