#!/usr/bin/env bash
# The manifests on a real Kubernetes control plane (scripts/k8s/control-plane.sh:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler at the kind
# node image's version, kwok for nodes), all on loopback and gone on exit:
# - both overlays applied as users apply them (`kubectl apply -k`, server-side)
#   with every API server warning an error; the namespace enforces, warns and
#   audits the restricted Pod Security Standard, and a privileged pod there is
#   refused, as is the app's own pod with one breach of each class of the
#   profile (privileged, capabilities, runAsNonRoot, runAsUser 0, seccomp,
#   privilege escalation, hostPath, host namespaces): this admission, not a
#   field-by-field reading of ours, is the authority on Pod Security; every
#   Deployment and StatefulSet rolls out (PVCs bind to static volumes); the
#   spin overlay's RuntimeClass exists;
# - spin-operator's and KEDA's CRDs (the modules 35-kubernetes validates
#   against offline) installed, then the spinkube overlay (SpinApp,
#   SpinAppExecutor) and each overlay rendered with autoscaling on (its
#   ScaledObject) applied for real; no operator or KEDA runs, so they are
#   only stored; planted schema breaches are rejected, named;
# - the prometheus-operator CRDs (the version kube-prometheus-stack ships) and
#   k8s/operator applied for real;
# - Prometheus, built at the manifests' image version, runs the rendered
#   in-cluster prometheus.yml against this API server with the prometheus
#   ServiceAccount's own token: exactly one `app` target per app pod, labelled
#   namespace, pod, variant and job, for each overlay, and none for other pods;
# - nix/deploy.sh's Kubernetes half (--existing-cluster: kind skipped) twice,
#   the second run changing nothing, then --down leaving nothing of ours.
# Kubernetes cannot run containers here (kwok fakes them), so targets are
# discovered, never scraped successfully.
source "$(dirname "$0")/../lib.sh"
source "$REPO_ROOT/scripts/k8s/control-plane.sh"
cd "$REPO_ROOT"

[ -f k8s/base/kustomization.yaml ] || die "k8s/ is not rendered: run cargo run -p stack -- render"
namespace="$(sed -n 's/^  name: //p' k8s/base/namespace.yaml)"
# The image tags the manifests pin are the versions tested.
prometheus_version="$(pinned_image_tag prometheus)"
alertmanager_version="$(pinned_image_tag alertmanager)"
grafana_version="$(sed -n 's|^ *image: docker.io/grafana/grafana:||p' k8s/base/grafana.yaml)"

# Pinned images are releases: Prometheus and Alertmanager are built below
# from their tags' module versions (a missing one fails the build); Grafana's
# v13 tags are no Go module versions, but every Grafana release publishes its
# npm packages at the same version.
log "Grafana $grafana_version is a release (npm @grafana/data@$grafana_version)"
[ "$(npm view "@grafana/data@$grafana_version" version 2>/dev/null)" = "$grafana_version" ] ||
  die "no Grafana release $grafana_version (k8s/base/grafana.yaml): npm has no @grafana/data@$grafana_version"

require_command jq openssl curl npm
python3 -c 'import yaml' 2>/dev/null || die "python3 yaml is missing: run scripts/setup.sh"
find_kubectl
find_control_plane_tools
crds="$(scripts/k8s/control-plane-tools.sh operator-crds)"
require_crd_modules

work="$(mktemp -d)"
prometheus_pid=""
cleanup() {
  [ -z "$prometheus_pid" ] || { kill "$prometheus_pid" 2>/dev/null; wait "$prometheus_pid" 2>/dev/null; }
  control_plane_stop
  rm -rf "$work"
}
trap cleanup EXIT

log "control plane: $(kube-apiserver --version), etcd $(etcd --version | sed -n 's/^etcd Version: //p'), $(kwok --version 2>&1 | head -1)"
start=$SECONDS
control_plane_start "$work/cluster"
log "control plane ready in $((SECONDS - start)) s"

# apply ARGS... is `kubectl apply` as users run it, server-side, where any
# warning the API server returns fails (kubectl names the object and prints
# the server's message).
apply() {
  kubectl apply --server-side --field-manager=stack-check --warnings-as-errors "$@" >"$work/apply.out" 2>&1 ||
    { cat "$work/apply.out" >&2; echo "error: the API server rejected kubectl apply $*" >&2; return 1; }
}

# Storage as kind has it: a default class, here backed by static volumes.
volumes() {
  kubectl delete pv --all --wait >/dev/null
  local size
  for size in 1Gi 10Gi; do
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: test-$(tr A-Z a-z <<<"$size")}
spec:
  storageClassName: standard
  capacity: {storage: $size}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/test-$size}
EOF
  done
}
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
EOF

rollout() {
  local workload
  for workload in $(kubectl get deployments,statefulsets -n "$namespace" -o name); do
    kubectl rollout status -n "$namespace" "$workload" --timeout=120s >/dev/null ||
      { kubectl describe -n "$namespace" "$workload" >&2; die "$workload did not roll out"; }
  done
  kubectl get pvc -n "$namespace" -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase}{"\n"}{end}' |
    awk '$2 != "Bound" { print "PVC " $1 " is " $2; bad = 1 } END { exit bad }' >&2 || die "unbound PVCs"
}

pod_security_checks() {
  local level
  for level in enforce warn audit; do
    [ "$(kubectl get namespace "$namespace" -o jsonpath="{.metadata.labels.pod-security\.kubernetes\.io/$level}")" = restricted ] ||
      die "namespace $namespace does not $level the restricted Pod Security Standard"
  done
  local privileged='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"privileged"},"spec":{"containers":[{"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}'
  # Enforce: a privileged pod is refused here, and only here: the same pod is
  # admitted (dry run) by a namespace without the labels.
  kubectl create --dry-run=server -n default -f - <<<"$privileged" >/dev/null ||
    die "control: a privileged pod was refused outside $namespace too"
  if kubectl create -n "$namespace" -f - <<<"$privileged" >"$work/refused" 2>&1; then
    die "a privileged pod was admitted into $namespace"
  fi
  grep -q 'violates PodSecurity "restricted:latest"' "$work/refused" ||
    { cat "$work/refused" >&2; die "the privileged pod was refused, but not by Pod Security admission"; }
  # Warn: a Deployment is admitted with a warning, which apply turns into failure.
  local deployment
  deployment="$(jq -c '{apiVersion:"apps/v1",kind:"Deployment",metadata:{name:"privileged"},spec:{selector:{matchLabels:{a:"b"}},template:{metadata:{labels:{a:"b"}},spec:.spec}}}' <<<"$privileged")"
  if kubectl apply --server-side --dry-run=server --warnings-as-errors -n "$namespace" -f - <<<"$deployment" >"$work/warned" 2>&1; then
    die "a privileged Deployment applied without a Pod Security warning"
  fi
  grep -q 'would violate PodSecurity "restricted:latest"' "$work/warned" ||
    { cat "$work/warned" >&2; die "the privileged Deployment failed for another reason than the warning"; }
  breach_classes
  # Audit: the API server's audit log carries the violation.
  grep -q '"pod-security.kubernetes.io/audit-violations"' "$CONTROL_PLANE_AUDIT_LOG" ||
    die "no Pod Security audit annotation in the API server's audit log"
  echo "  restricted enforced (privileged pod refused), warned and audited in $namespace" >&2
}

# breach_classes: the restricted profile is admission's alone to enforce
# (stack-render's policy does not read these fields), so one breach of each
# class, made to the app's own pod (admitted as it is, dry run), must be
# refused with the server's reason for that class.
breach_classes() {
  local pod c
  pod="$(kubectl get deployment app -n "$namespace" -o json |
    jq -c '{apiVersion: "v1", kind: "Pod", metadata: {name: "breach", labels: .spec.template.metadata.labels},
      spec: .spec.template.spec}')"
  c="$(jq -r '.spec.containers[0].name' <<<"$pod")"
  kubectl create --dry-run=server -n "$namespace" -f - <<<"$pod" >/dev/null 2>"$work/refused" ||
    { cat "$work/refused" >&2; die "the app's own pod is refused in $namespace"; }
  # refused FILTER REASON: the pod changed by jq FILTER is refused, REASON
  # (the server's words) among the violations it names.
  refused() {
    jq -c "$1" <<<"$pod" >"$work/breach.json"
    cmp -s <(jq -cS . <<<"$pod") <(jq -cS . "$work/breach.json") && die "breach '$1' changed nothing"
    if kubectl create --dry-run=server -n "$namespace" -f "$work/breach.json" >"$work/refused" 2>&1; then
      die "Pod Security admission admitted the app pod with: $1"
    fi
    grep -qF 'violates PodSecurity "restricted:latest"' "$work/refused" && grep -qF "$2" "$work/refused" ||
      { cat "$work/refused" >&2; die "the app pod with '$1' was refused, but not for: $2"; }
    echo "  refused: $2" >&2
  }
  local sc=".spec.containers[0].securityContext"
  refused "$sc |= (.privileged = true | del(.allowPrivilegeEscalation))" \
    "privileged (container \"$c\" must not set securityContext.privileged=true)"
  refused "$sc.allowPrivilegeEscalation = true" \
    "allowPrivilegeEscalation != false (container \"$c\" must set securityContext.allowPrivilegeEscalation=false)"
  refused "$sc.capabilities.add = [\"SYS_ADMIN\"]" \
    "container \"$c\" must not include \"SYS_ADMIN\" in securityContext.capabilities.add"
  refused "$sc.capabilities.drop = [\"NET_RAW\"]" \
    "unrestricted capabilities (container \"$c\" must set securityContext.capabilities.drop=[\"ALL\"])"
  refused 'del(.. | .runAsNonRoot?)' \
    "runAsNonRoot != true (pod or container \"$c\" must set securityContext.runAsNonRoot=true)"
  refused "$sc.runAsUser = 0" "runAsUser=0 (container \"$c\" must not set runAsUser=0)"
  refused 'del(.. | .seccompProfile?)' \
    "seccompProfile (pod or container \"$c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
  refused '.spec.securityContext.seccompProfile.type = "Unconfined"' \
    'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'
  refused '.spec.volumes += [{name: "host", hostPath: {path: "/"}}]' \
    'restricted volume types (volume "host" uses restricted volume type "hostPath")'
  refused '.spec.hostNetwork = true' 'host namespaces (hostNetwork=true)'
}

# prometheus_discovery VARIANT runs the in-cluster prometheus.yml, with only
# each kubernetes_sd_config pointed at this API server through the
# prometheus ServiceAccount's own token, and compares its targets with the
# pods the API server has.
prometheus_discovery() {
  local variant="$1"
  local dir="$work/prometheus-$variant"
  mkdir -p "$dir"
  kubeconfig_for "$dir/kubeconfig" "$(kubectl create token prometheus -n "$namespace")"
  local config="$dir/prometheus.yml"
  sed "s|^\( *\)- role: pod$|&\n\1  kubeconfig_file: $dir/kubeconfig|" k8s/base/files/prometheus.yml >"$config"
  [ "$(grep -c 'kubeconfig_file:' "$config")" = "$(grep -c -- '- role:' k8s/base/files/prometheus.yml)" ] ||
    die "prometheus.yml: a kubernetes_sd_config without role pod, left pointing in-cluster"
  promtool check config --syntax-only "$config" >/dev/null
  local port
  port="$(free_ports 1)"
  prometheus --config.file "$config" --storage.tsdb.path "$dir/data" \
    --web.listen-address "127.0.0.1:$port" >"$dir/prometheus.log" 2>&1 &
  prometheus_pid=$!

  local want got deadline=$((SECONDS + 60))
  want="$(kubectl get pods -n "$namespace" -l app.kubernetes.io/name=app --field-selector status.phase=Running \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' |
    jq -R --arg ns "$namespace" --arg variant "$variant" \
      '{job: "app", namespace: $ns, pod: ., variant: $variant}' | jq -sc 'sort_by(.pod)')"
  [ "$(jq length <<<"$want")" -ge 2 ] || die "fewer than 2 Running app pods: $want"
  until got="$(curl -fsS "http://127.0.0.1:$port/api/v1/targets?state=active" 2>/dev/null |
    jq -c '[.data.activeTargets[] | select(.scrapePool == "app") | .labels
      | {job, namespace, pod, variant}] | sort_by(.pod)')" && [ "$got" = "$want" ]; do
    kill -0 "$prometheus_pid" 2>/dev/null || cp_fail prometheus "$dir/prometheus.log" "exited"
    [ "$SECONDS" -lt "$deadline" ] || {
      tail -n 5 "$dir/prometheus.log" >&2
      die "Prometheus's app targets ($variant): want $want, got ${got:-none}"
    }
    sleep 1
  done
  # Every other pod (Prometheus, Alertmanager, Grafana with its port named
  # http, the receiver) was discovered and dropped by the relabelling.
  local dropped
  dropped="$(curl -fsS "http://127.0.0.1:$port/api/v1/targets?state=dropped" |
    jq '[.data.droppedTargets[] | .discoveredLabels.__meta_kubernetes_pod_label_app_kubernetes_io_name
      | select(. != "app")] | unique | length')"
  [ "$dropped" -ge 4 ] || die "Prometheus dropped pods of only $dropped other components"
  echo "  $variant: targets $got" >&2
  kill "$prometheus_pid"
  wait "$prometheus_pid" 2>/dev/null || true
  prometheus_pid=""
}

# crd_rejected RESOURCE FILTER FIELD: the stored RESOURCE changed by jq
# FILTER is rejected by its CRD's schema (strict field validation, as
# kubectl applies), the server's message naming the kind, the object and
# FIELD.
crd_rejected() {
  local resource="$1" filter="$2" field="$3" kind name
  kubectl get "$resource" -n "$namespace" -o json |
    jq -c ".items[0] | {apiVersion, kind, metadata: {name: .metadata.name, namespace: .metadata.namespace}, spec} | $filter" \
      >"$work/custom.json"
  kind="$(jq -r .kind "$work/custom.json")"
  name="$(jq -r .metadata.name "$work/custom.json")"
  if apply --dry-run=server -f "$work/custom.json" 2>/dev/null; then
    die "the API server accepted $kind/$name with: $filter"
  fi
  # Validation says `Kind.group "name" is invalid`; a typed patch error
  # `(namespace/name; group/version, Kind=Kind)`.
  grep -qF "$kind" "$work/apply.out" && grep -qE "\"$name\"|/$name;" "$work/apply.out" ||
    { cat "$work/apply.out" >&2; die "the rejection of $kind/$name does not name it"; }
  grep -qF "$field" "$work/apply.out" ||
    { cat "$work/apply.out" >&2; die "the rejection of $kind/$name does not name $field"; }
  echo "  rejected: $(grep -m1 -F "$field" "$work/apply.out")" >&2
}

# ours: every object, namespaced or not, carrying the stack's part-of label.
ours() {
  local kinds
  kinds="$(kubectl api-resources --verbs=list -o name | paste -sd, -)"
  kubectl get "$kinds" --all-namespaces -l app.kubernetes.io/part-of=app-monitoring-stack -o name 2>/dev/null
}

log "negative control: an object the API server rejects fails apply, named"
if apply -f - <<<'{"apiVersion":"v1","kind":"Service","metadata":{"name":"broken","namespace":"default"},"spec":{"ports":[{"port":70000}]}}' 2>/dev/null; then
  die "the API server accepted a Service on port 70000"
fi
grep -q 'Service "broken" is invalid' "$work/apply.out" &&
  grep -q 'spec.ports\[0\].port: Invalid value: 70000' "$work/apply.out" ||
  { cat "$work/apply.out" >&2; die "the rejection does not name the object and field"; }

log "prometheus-operator CRDs ($crds)"
apply -f "$crds" || exit 1
kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null

log "spin-operator ($SPIN_OPERATOR_MODULE) and KEDA ($KEDA_MODULE) CRDs"
crd_files=()
for file in "$SPIN_OPERATOR_DIR"/config/crd/bases/*.yaml "$KEDA_DIR"/config/crd/bases/*.yaml; do
  crd_files+=(-f "$file")
done
apply "${crd_files[@]}" || exit 1
kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null
render_autoscaled "$work"

for variant in native spin spinkube; do
  log "kubectl apply -k k8s/overlays/$variant"
  volumes
  apply -k "k8s/overlays/$variant" || exit 1
  rollout
  app_variants="$(kubectl get pods -n "$namespace" -l app.kubernetes.io/name=app -o jsonpath='{.items[*].metadata.labels.variant}' | tr ' ' '\n' | sort -u)"
  case "$variant" in
    native)
      [ "$app_variants" = native ] || die "app pods of another variant than native remain: $app_variants"
      pod_security_checks
      log "kubectl apply -k k8s/operator"
      apply -k k8s/operator || exit 1
      kubectl get -n "$namespace" podmonitor,prometheusrule -o name | sed 's/^/  /' >&2
      ;;
    spin)
      [ "$app_variants" = spin ] || die "app pods of another variant than spin remain: $app_variants"
      [ "$(kubectl get runtimeclass wasmtime-spin-v2 -o jsonpath='{.handler}')" = spin ] || die "no RuntimeClass for spin"
      ;;
    spinkube)
      # No spin-operator runs: the SpinApp and its executor are stored (the
      # CRDs' schemas and the API server accepted them), never turned into pods.
      [ -z "$app_variants" ] || die "app pods without spin-operator: $app_variants"
      [ "$(kubectl get spinapp,spinappexecutor -n "$namespace" -o name | wc -l)" = 2 ] ||
        die "the SpinApp and SpinAppExecutor were not stored"
      crd_rejected spinapp '.spec.securityContext = {}' securityContext
      crd_rejected spinapp 'del(.spec.image)' image
      crd_rejected spinappexecutor '.spec.deploymentConfig |= (.runtimeClass = .runtimeClassName | del(.runtimeClassName))' runtimeClass
      ;;
  esac
  if [ "$variant" != spinkube ]; then
    log "Prometheus $prometheus_version: Kubernetes discovery of the $variant pods"
    prometheus_discovery "$variant"
  fi
  log "kubectl apply -k the $variant overlay rendered with [kubernetes.autoscaling] on"
  apply -k "$work/autoscaled/k8s/overlays/$variant" || exit 1
  [ "$(kubectl get scaledobject -n "$namespace" -o name | wc -l)" = 1 ] || die "no ScaledObject stored for $variant"
  kubectl get -n "$namespace" scaledobject -o jsonpath='  ScaledObject {.items[0].metadata.name} -> {.items[0].spec.scaleTargetRef.kind}/{.items[0].spec.scaleTargetRef.name}{"\n"}' >&2
  crd_rejected scaledobject '.spec.minReplicaCount |= tostring' minReplicaCount
  kubectl delete -k "$work/autoscaled/k8s/overlays/$variant" --wait --timeout=120s >/dev/null
done
[ -z "$(ours)" ] || die "kubectl delete -k left: $(ours)"

# deploy_twice VARIANT runs nix/deploy.sh's Kubernetes half (namespace,
# Secret, apply, rollouts; kind skipped by --existing-cluster) twice, the
# second time changing nothing, then --down, which must leave nothing of ours.
deploy_twice() {
  local variant="$1"
  local dir="$work/deploy-$variant"
  mkdir -p "$dir"
  kubectl kustomize "k8s/overlays/$variant" >"$dir/manifests.yaml"
  # The facts deploy sources, as `stack render` wrote them beside the overlay.
  cp "k8s/overlays/$variant/deploy.env" "$dir/deploy.env"
  volumes
  # versions: every rendered object's resourceVersion, which any write bumps.
  versions() {
    kubectl get -f "$dir/manifests.yaml" \
      -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}'
  }
  local run
  for run in 1 2 down; do
    local args=(--existing-cluster)
    [ "$run" = down ] && args+=(--down)
    [ "$run" = 2 ] && versions >"$dir/before"
    [ "$run" = down ] && versions >"$dir/after"
    DEPLOY_VARIANT="$variant" DEPLOY_NAMESPACE="$namespace" DEPLOY_ARCHIVE=/nonexistent \
      DEPLOY_MANIFESTS="$dir" timeout 200 bash nix/deploy.sh "${args[@]}" >"$dir/run-$run.out" 2>&1 ||
      {
        cat "$dir/run-$run.out" >&2
        kubectl get pods,replicasets,events -n "$namespace" -o wide >&2 || true
        die "nix/deploy.sh ${args[*]} ($variant, run $run) failed"
      }
  done
  grep -q "Grafana admin Secret .* exists; keeping it" "$dir/run-2.out" ||
    { cat "$dir/run-2.out" >&2; die "the second deploy did not keep the Grafana Secret"; }
  # kubectl says "configured" whenever its patch is not empty, even when
  # the server changes nothing: the resourceVersions tell.
  diff "$dir/before" "$dir/after" >&2 || die "the second deploy ($variant) changed the objects above"
  local left
  left="$(ours)"
  [ -z "$left" ] && ! kubectl get namespace "$namespace" >/dev/null 2>&1 ||
    die "nix/deploy.sh --down ($variant) left: ${left:-namespace $namespace}"
  echo "  $variant: deployed twice (second run changed nothing), --down left nothing" >&2
}

for variant in native spin; do
  log "nix/deploy.sh $variant --existing-cluster, twice, then --down"
  deploy_twice "$variant"
done

log "amtool $alertmanager_version check-config of the in-cluster alertmanager.yml"
amtool check-config k8s/base/files/alertmanager.yml >/dev/null
