#!/usr/bin/env bash
# nix run .#deploy -- [native|spin|spinkube] [--down]
#
# Deploys one variant, as built by this flake, to a local kind cluster:
# creates or reuses the cluster (every node can run Spin: containerd-shim-spin
# plus the `spin` runtime handler), loads the image archives (the variant's,
# and the webhook receiver's when the manifests deploy it), applies the
# rendered manifests, creates the Grafana admin Secret once, waits for the
# rollouts and prints where everything is. Safe to run again.
#
# Each variant has its own Nix wrapper (nix/apps.nix: deploy-native,
# deploy-spin, deploy-spinkube), which provides the tools on PATH and these inputs:
#   DEPLOY_VARIANT                   the variant this program deploys
#   DEPLOY_NAMESPACE                 namespace the manifests use
#   DEPLOY_ARCHIVE, DEPLOY_MANIFESTS its image archive and rendered manifests dir
#   DEPLOY_RECEIVER_ARCHIVE          image archive of `alert-receiver`
#   DEPLOY_SPIN_SHIM                 containerd-shim-spin-v2 binary (spin, spinkube)
# and honours KIND_CLUSTER_NAME (default app-monitoring) and
# KIND_EXPERIMENTAL_PROVIDER (docker or podman, as kind itself does).
set -euo pipefail

die() { printf 'deploy: error: %s\n' "$*" >&2; exit 1; }
step() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

usage() {
  cat <<'EOF'
usage: nix run .#deploy -- [native|spin|spinkube] [--down]

  native   the hyper/tokio binary (default)
  spin     the Spin component, run by containerd-shim-spin
  spinkube the Spin component as a SpinApp; the cluster must already run
           spin-operator (its CRDs, cert-manager): see docs/kubernetes.md
  --down   delete what that variant's manifests created, the namespace
           with them (the cluster stays; `kind delete cluster --name
           <name>` removes it)
EOF
}

: "${DEPLOY_VARIANT:?set by the Nix wrapper; run this through nix run .#deploy}"
variant="$DEPLOY_VARIANT"
down=false
for arg in "$@"; do
  case "$arg" in
    native | spin | spinkube)
      [ "$arg" = "$variant" ] || die "this program deploys $variant; run nix run .#deploy -- $arg"
      ;;
    --down) down=true ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done

: "${DEPLOY_NAMESPACE:?set by the Nix wrapper; run this through nix run .#deploy}"
archive="${DEPLOY_ARCHIVE:?set by the Nix wrapper}"
manifests="${DEPLOY_MANIFESTS:?set by the Nix wrapper}"
namespace="$DEPLOY_NAMESPACE"
cluster="${KIND_CLUSTER_NAME:-app-monitoring}"
provider="${KIND_EXPERIMENTAL_PROVIDER:-docker}"
context="kind-$cluster"
# Every kubectl call names the context: the user's current one is never used.
kube() { kubectl --context "$context" "$@"; }

# deploy.env is written at build time from the rendered manifests themselves.
# shellcheck source=/dev/null
source "$manifests/deploy.env"
: "${GRAFANA_NODE_PORT:?missing from $manifests/deploy.env}"
: "${GRAFANA_ADMIN_SECRET:?missing from $manifests/deploy.env}"
: "${IMAGE_REFERENCE:?missing from $manifests/deploy.env}"
# Empty when Alertmanager notifies a receiver outside the cluster.
RECEIVER_IMAGE_REFERENCE="${RECEIVER_IMAGE_REFERENCE-}"

check_tools() {
  local tool
  for tool in kind kubectl "$provider"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH"
  done
  "$provider" info >/dev/null 2>&1 ||
    die "$provider is installed but not answering (is its daemon running, may this user use it?)"
}

# The list is read whole before matching: `grep -q` in a pipe under
# pipefail can close it early, kill kind with SIGPIPE and report "absent".
cluster_exists() {
  local clusters
  clusters="$(kind get clusters 2>/dev/null)" || return 1
  grep -qx -- "$cluster" <<<"$clusters"
}

create_cluster() {
  local config
  config="$(mktemp)"
  # The NodePort is published on loopback only; the containerd patch adds the
  # `spin` handler that the RuntimeClass of the Spin overlay names (the shim
  # binary itself is copied in by ensure_spin_shim). runwasi shims default to
  # cgroupfs, while kind's kubelet uses the systemd cgroup driver: the
  # option makes them agree, as containerd-shim-spin's own README sets it.
  cat >"$config" <<EOF
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    extraPortMappings:
      - containerPort: $GRAFANA_NODE_PORT
        hostPort: $GRAFANA_NODE_PORT
        listenAddress: 127.0.0.1
        protocol: TCP
containerdConfigPatches:
  - |-
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.spin]
      runtime_type = "io.containerd.spin.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.spin.options]
      SystemdCgroup = true
EOF
  step "creating kind cluster $cluster"
  kind create cluster --name "$cluster" --config "$config" --wait 120s
  rm -f "$config"
}

# containerd-shim-spin on every node, as SpinKube's manual installation does:
# the binary on containerd's PATH and a runtime entry for it. A node whose
# binary already matches is left alone, so reruns restart nothing.
ensure_spin_shim() {
  local shim="${DEPLOY_SPIN_SHIM:-}" node
  [ -n "$shim" ] || die "no containerd-shim-spin release is packaged for this system (see nix/spin-shim.nix)"
  for node in $(kind get nodes --name "$cluster"); do
    "$provider" exec "$node" grep -q 'io.containerd.spin.v2' /etc/containerd/config.toml ||
      die "node $node has no \`spin\` runtime in its containerd config: this cluster was not created by deploy; use another KIND_CLUSTER_NAME or delete it"
    if "$provider" exec "$node" sha256sum /usr/local/bin/containerd-shim-spin-v2 2>/dev/null |
      grep -q "$(sha256sum "$shim" | cut -d' ' -f1)"; then
      continue
    fi
    step "installing containerd-shim-spin on $node"
    "$provider" cp "$shim" "$node:/usr/local/bin/containerd-shim-spin-v2"
    "$provider" exec "$node" chmod 0755 /usr/local/bin/containerd-shim-spin-v2
    "$provider" exec "$node" systemctl restart containerd
  done
}

# The SpinApp is spin-operator's to turn into a Deployment: without its CRDs
# the apply would fail half-way, so fail before it, saying what is missing.
require_spin_operator() {
  local crd
  for crd in spinapps.core.spinkube.dev spinappexecutors.core.spinkube.dev; do
    kube get crd "$crd" >/dev/null 2>&1 ||
      die "cluster $cluster has no CRD $crd: install spin-operator v0.6.1 (with cert-manager) first, as SpinKube documents"
  done
}

# spin-operator creates the app's Deployment after the SpinApp is applied.
wait_for_spin_app_deployment() {
  local app="$1" tries=0
  until kube -n "$namespace" get deployment "$app" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -le 60 ] || die "spin-operator created no Deployment $app in 120 s; see: kubectl --context $context -n $namespace describe spinapp $app"
    sleep 2
  done
}

ensure_grafana_secret() {
  if kube -n "$namespace" get secret "$GRAFANA_ADMIN_SECRET" >/dev/null 2>&1; then
    step "Grafana admin Secret $GRAFANA_ADMIN_SECRET exists; keeping it"
    return
  fi
  local password
  password="$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
  kube -n "$namespace" create secret generic "$GRAFANA_ADMIN_SECRET" \
    --from-literal=admin-user=admin --from-literal=admin-password="$password" >/dev/null
  printf '\nGrafana admin password (shown once; it lives in Secret %s/%s):\n  admin / %s\n\n' \
    "$namespace" "$GRAFANA_ADMIN_SECRET" "$password"
}

wait_for_rollouts() {
  local workload
  for workload in $(kube -n "$namespace" get deployments,statefulsets -o name); do
    step "waiting for $workload"
    kube -n "$namespace" rollout status "$workload" --timeout=300s ||
      die "$workload did not become ready; see: kubectl --context $context -n $namespace describe $workload"
  done
}

print_urls() {
  local service port
  printf '\nGrafana:     http://127.0.0.1:%s\n' "$GRAFANA_NODE_PORT"
  printf 'Port-forward the others, e.g.:\n'
  while read -r service port; do
    [ -n "$service" ] || continue
    printf '  kubectl --context %s -n %s port-forward svc/%s %s:%s\n' \
      "$context" "$namespace" "$service" "$port" "$port"
  done < <(kube -n "$namespace" get services \
    -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.ports[0].port}{"\n"}{end}')
}

check_tools

if $down; then
  cluster_exists || { step "no kind cluster $cluster: nothing to remove"; exit 0; }
  step "deleting the $variant resources from $cluster"
  kube delete -f "$manifests/manifests.yaml" --ignore-not-found --wait=true
  exit 0
fi

if cluster_exists; then
  step "reusing kind cluster $cluster"
else
  create_cluster
fi
case "$variant" in spin | spinkube) ensure_spin_shim ;; esac
[ "$variant" = spinkube ] && require_spin_operator

step "loading $IMAGE_REFERENCE into $cluster"
kind load image-archive "$archive" --name "$cluster"
if [ -n "$RECEIVER_IMAGE_REFERENCE" ]; then
  step "loading $RECEIVER_IMAGE_REFERENCE (the webhook receiver) into $cluster"
  kind load image-archive "${DEPLOY_RECEIVER_ARCHIVE:?set by the Nix wrapper}" --name "$cluster"
fi

step "applying the $variant manifests"
kube create namespace "$namespace" --dry-run=client -o yaml | kube apply -f - >/dev/null
ensure_grafana_secret
kube apply -f "$manifests/manifests.yaml"
if [ "$variant" = spinkube ]; then
  wait_for_spin_app_deployment "$(kube -n "$namespace" get spinapps -o jsonpath='{.items[0].metadata.name}')"
fi
wait_for_rollouts
print_urls
