#!/usr/bin/env bash
# The one install step: everything scripts/checks/*.sh need, idempotently
# (each ensure_* in lib.sh acts only when something is missing, so a second
# run costs seconds). scripts/test.sh runs it first; the checks themselves
# only assert (require_* in lib.sh) and name this script when a tool is
# missing.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

log "setup: Debian packages"
# pkg-config: crates' build scripts; prometheus, prometheus-alertmanager
# (promtool, amtool), curl: 30-monitoring and 40-e2e; nix-bin, shellcheck,
# python3-yaml: 50-nix; wrk, util-linux: 60-bench-smoke; g++: libFuzzer in
# 70-hardening.
ensure_apt pkg-config prometheus prometheus-alertmanager curl nix-bin shellcheck \
  wrk util-linux
python3 -c 'import yaml' 2>/dev/null || ensure_apt python3-yaml
command -v c++ >/dev/null || ensure_apt g++

log "setup: Rust components and tools"
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy
ensure_cargo_tool deadnix@1.3.1 deadnix
ensure_cargo_tool nixpkgs-fmt@1.3.0 nixpkgs-fmt
ensure_cargo_tool cargo-fuzz
# The edge build (scripts/build-spin.sh, 20-edge).
ensure_spin_build_tools

log "setup: npm packages"
ensure_npm_ci stack-render/tests/dashboard-types
ensure_npm_ci scripts/k8s

log "setup: Python tools"
ensure_venv "$K8S_TOOLS_VENV" "checkov==$CHECKOV_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
ensure_kubectl
ensure_crd_tools
ensure_venv bench/.venv bench/flask_peer/requirements.txt

log "setup: control plane, Prometheus and Alertmanager from the Go module proxy (36-control-plane)"
# jq, openssl: 36-control-plane.
ensure_apt jq openssl
ensure_control_plane_tools

log "setup: done"
