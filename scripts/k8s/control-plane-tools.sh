#!/usr/bin/env bash
# Builds, once per version, the Go programs the control-plane check runs, from
# the Go module proxy into a cache outside the repo, and prints the directory
# holding them. Usage: control-plane-tools.sh kubernetes|kwok|prometheus|alertmanager|operator-crds
#
#   kubernetes  kube-apiserver, kube-controller-manager, kube-scheduler and
#               etcd. k8s.io/kubernetes cannot be built as a plain dependency:
#               its go.mod maps every staging module (k8s.io/api, client-go,
#               ...) to ./staging/src, which `go build` ignores outside k/k.
#               A wrapper module repeats those replace lines with the
#               v0.MINOR.PATCH releases cut from the same tree. etcd is the
#               go.etcd.io/etcd/server/v3 that k/k itself requires, so the
#               server matches the client the API server was built with.
#   kwok        sigs.k8s.io/kwok, the fake kubelet that makes pods Running.
#   prometheus  Prometheus (and promtool) and Alertmanager (and amtool) at
#   alertmanager  the versions the manifests' images pin, each built inside
#               its own module so upstream's go.mod decides the dependencies.
#
# Versions come from the environment (defaults below). Built binaries live in
# $STACK_TOOLS_CACHE/<name>-<version>/bin; a complete directory is reused, and
# with STACK_TOOLS_BUILD=no a missing one is an error instead of a build.
source "$(dirname "$0")/../lib.sh"

KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.32.2}"
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
cache="${STACK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stack-tools}"

# build_once DIR LOG COMMAND... runs COMMAND (which fills DIR/bin) unless
# DIR/bin/.complete exists; on failure prints the log's tail and dies.
build_once() {
  local dir="$1" log="$2"
  shift 2
  [ -f "$dir/bin/.complete" ] && return 0
  [ "${STACK_TOOLS_BUILD:-yes}" = yes ] || die "$(basename "$dir") is not built: run scripts/setup.sh"
  mkdir -p "$dir/bin"
  log "building $(basename "$dir") (log: $log)"
  local start=$SECONDS
  # In the background, so that errexit holds inside COMMAND (an `if`
  # around it would switch errexit off for everything COMMAND runs).
  "$@" >"$log" 2>&1 &
  if ! wait "$!"; then
    tail -n 30 "$log" >&2
    die "building $(basename "$dir") failed (log: $log)"
  fi
  log "built $(basename "$dir") in $((SECONDS - start)) s"
  touch "$dir/bin/.complete"
}

kubernetes_wrapper() {
  local dir="$1" version="$KUBERNETES_VERSION"
  local staging="v0.${version#v1.}"
  cd "$dir"
  curl -fsS "https://proxy.golang.org/k8s.io/kubernetes/@v/$version.mod" -o upstream.mod
  {
    echo "module stack-tools/kubernetes"
    echo
    echo "go 1.23.0"
    echo
    echo "require k8s.io/kubernetes $version"
    echo
    echo "replace ("
    awk -v v="$staging" '$2 == "=>" && $3 ~ /^\.\/staging\// { printf "\t%s => %s %s\n", $1, $1, v }' upstream.mod
    echo ")"
  } >go.mod
  grep -q "k8s.io/client-go => k8s.io/client-go $staging" go.mod || die "no staging replaces in k8s.io/kubernetes $version's go.mod"
  mkdir -p etcd
  # tools.go keeps the commands' packages in the module graph for go mod tidy.
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
)
GO
  cat >etcd/main.go <<'GO'
// The etcd server, as etcd's own main package runs it.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go mod tidy
  local pkg=k8s.io/component-base/version
  local minor="${version#v1.}"
  local ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o bin/ \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler ./etcd
}

go_install() {
  local dir="$1"
  shift
  CGO_ENABLED=0 GOBIN="$dir/bin" go install -trimpath -ldflags "-s -w" "$@"
}

# module_main DIR MODULE VERSION TAGS PACKAGE... builds PACKAGEs inside a copy of
# MODULE@VERSION's own source, so its go.mod (replace and exclude lines
# included, which `go install pkg@version` refuses) decides every dependency.
module_main() {
  local dir="$1" module="$2" version="$3" tags="$4"
  shift 4
  local src
  src="$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || die "go mod download $module@$version gave no source directory"
  rm -rf "$dir/src"
  cp -r "$src" "$dir/src"
  chmod -R u+w "$dir/src"
  local ldflags="-s -w -X github.com/prometheus/common/version.Version=${version#v}"
  ldflags+=" -X github.com/prometheus/common/version.Branch=release"
  # GOWORK=off: the module zip keeps go.work but not the modules it lists.
  # Alertmanager embeds its web UI from ui/app/dist, which its release
  # pipeline builds with npm (vite) and the module zip leaves out: a placeholder
  # page stands in (the API and amtool do not need the UI).
  if [ -d "$dir/src/ui/app" ] && [ ! -d "$dir/src/ui/app/dist" ]; then
    mkdir -p "$dir/src/ui/app/dist"
    echo '<p>web UI not built (stack-tools build from the module source)</p>' >"$dir/src/ui/app/dist/index.html"
  fi
  (cd "$dir/src" && GOWORK=off CGO_ENABLED=0 go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$dir/bin/" "$@")
  rm -rf "$dir/src"
}

case "${1:-}" in
  kubernetes)
    dir="$cache/kubernetes-$KUBERNETES_VERSION"
    build_once "$dir" "$dir/build.log" kubernetes_wrapper "$dir"
    ;;
  kwok)
    dir="$cache/kwok-$KWOK_VERSION"
    build_once "$dir" "$dir/build.log" go_install "$dir" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    ;;
  prometheus)
    # PROMETHEUS_VERSION is the image's tag: v3.13.2 is module v0.313.2.
    version="${PROMETHEUS_VERSION:?the prom/prometheus image tag, e.g. v3.13.2}"
    IFS=. read -r major minor patch <<<"${version#v}"
    [ "$major" = 3 ] || die "Prometheus $version: only v3.X.Y maps to a module version here"
    dir="$cache/prometheus-$version"
    # Only the Kubernetes discovery is compiled in (Prometheus's own build
    # tags): the cloud SDKs of the other mechanisms would triple the build.
    build_once "$dir" "$dir/build.log" module_main "$dir" github.com/prometheus/prometheus \
      "v0.$((300 + minor)).$patch" netgo,remove_all_sd,enable_kubernetes_sd ./cmd/prometheus ./cmd/promtool
    ;;
  alertmanager)
    version="${ALERTMANAGER_VERSION:?the prom/alertmanager image tag, e.g. v0.34.0}"
    dir="$cache/alertmanager-$version"
    build_once "$dir" "$dir/build.log" module_main "$dir" github.com/prometheus/alertmanager \
      "$version" netgo ./cmd/alertmanager ./cmd/amtool
    ;;
  operator-crds)
    # The CRDs as prometheus-operator ships them in its module; the version
    # is the appVersion of kube-prometheus-stack 81.4.5 (Chart.yaml).
    version="${PROMETHEUS_OPERATOR_VERSION:-v0.88.0}"
    src="$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [ -d "$src/example/prometheus-operator-crd" ] || die "prometheus-operator $version: no example/prometheus-operator-crd"
    echo "$src/example/prometheus-operator-crd"
    exit 0
    ;;
  *) die "usage: $0 kubernetes|kwok|prometheus|alertmanager|operator-crds" ;;
esac
echo "$dir/bin"
