#!/usr/bin/env bash
# Renders every overlay with `kubectl kustomize`, validates each document
# against its kind's schema offline (tools/k8s-validate: npm's
# kubernetes-models), and checks our policies: every container non-root,
# read-only root filesystem, capabilities dropped, resource limits and
# probes; only the edge is exposed (through the Ingress); NetworkPolicies
# cover every component; no Secret is inlined. Part of `make test`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
command -v kubectl >/dev/null || { echo "k8s: kubectl is missing (the machine image ships it)"; exit 1; }
command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
if [[ ! -d tools/k8s-validate/node_modules/kubernetes-models ]]; then
  (cd tools/k8s-validate && timeout 600 npm ci --no-audit --no-fund --silent)
fi
work=$(mktemp -d /tmp/tocsin-k8s.XXXXXX)
trap 'rm -rf "$work"' EXIT
for overlay in deploy/k8s/overlays/*/; do
  name=$(basename "$overlay")
  kubectl kustomize "$overlay" >"$work/$name.yaml"
  printf 'k8s: %s: ' "$name"
  node tools/k8s-validate/validate.js <"$work/$name.yaml"
  /usr/bin/python3 deploy/k8s/check_policies.py "$work/$name.yaml"
done
echo "k8s: OK"
