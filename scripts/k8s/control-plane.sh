# A throwaway Kubernetes control plane on loopback: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok (fake nodes and kubelets,
# so scheduled pods turn Running and Ready without containers). Source it
# after lib.sh with the binaries on PATH (lib.sh's find_control_plane_tools) and
# KUBECTL set (find_kubectl); control_plane_start WORK_DIR; control_plane_stop.
#
# Authentication: one static admin token (system:masters) for the tools; the
# API server signs ServiceAccount tokens, so `kubectl create token` gives a
# workload's own identity and RBAC applies to it. Admission: the API server's
# default plugins, PodSecurity included, with an audit log that records its
# audit annotations.

CONTROL_PLANE_PIDS=()

# cp_fail NAME LOG MESSAGE reports a component by name with its log's tail.
cp_fail() {
  echo "--- last lines of $2" >&2
  tail -n 25 "$2" >&2
  die "$1: $3"
}

# cp_run NAME LOG COMMAND... starts a component in the background.
cp_run() {
  local name="$1" log="$2"
  shift 2
  "$@" >"$log" 2>&1 &
  CONTROL_PLANE_PIDS+=("$!")
  eval "CP_PID_${name//-/_}=$!"
}

# cp_wait NAME LOG COMMAND... polls COMMAND for 90 s while NAME still runs.
cp_wait() {
  local name="$1" log="$2" pid_var="CP_PID_${1//-/_}"
  shift 2
  local deadline=$((SECONDS + 90))
  until "$@" >/dev/null 2>&1; do
    kill -0 "${!pid_var}" 2>/dev/null || cp_fail "$name" "$log" "exited while starting"
    [ "$SECONDS" -lt "$deadline" ] || cp_fail "$name" "$log" "not ready after 90 s"
    sleep 0.5
  done
}

# kubectl is the one find_kubectl chose (`command` skips this function).
kubectl() { command "${KUBECTL[@]}" "$@"; }

control_plane_start() {
  local work="$1"
  local name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    command -v "$name" >/dev/null || die "control plane: no $name on PATH"
  done
  mkdir -p "$work/etcd" "$work/pki" "$work/logs"
  local pki="$work/pki" logs="$work/logs"
  local etcd_port peer_port api_port kcm_port sched_port kwok_port
  read -r etcd_port peer_port api_port kcm_port sched_port kwok_port < <(free_ports 6)

  # One self-signed certificate serves the API server and is the clients' CA.
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=kube-apiserver \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$pki/apiserver.key" -out "$pki/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  local token
  token="$(openssl rand -hex 16)"
  echo "$token,admin,admin,system:masters" >"$pki/tokens.csv"
  cat >"$work/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: Metadata
    resources: [{group: "", resources: [pods]}, {group: apps, resources: [deployments, statefulsets]}]
  - level: None
EOF
  CONTROL_PLANE_SERVER="https://127.0.0.1:$api_port"
  CONTROL_PLANE_CA="$pki/apiserver.crt"
  CONTROL_PLANE_AUDIT_LOG="$logs/audit.log"
  export KUBECONFIG="$work/kubeconfig"
  kubeconfig_for "$KUBECONFIG" "$token"

  cp_run etcd "$logs/etcd.log" etcd --data-dir "$work/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" --unsafe-no-fsync
  cp_wait etcd "$logs/etcd.log" curl -fsS "http://127.0.0.1:$etcd_port/health"

  cp_run kube-apiserver "$logs/kube-apiserver.log" kube-apiserver \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --token-auth-file "$pki/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --allow-privileged=true \
    --audit-policy-file "$work/audit-policy.yaml" --audit-log-path "$CONTROL_PLANE_AUDIT_LOG"
  cp_wait kube-apiserver "$logs/kube-apiserver.log" kubectl get --raw /readyz

  # kwok renews node status every few seconds, but on a loaded machine a
  # renewal can miss the default 50 s grace, and a NotReady node marks its
  # pods unready: node health is not under test here.
  cp_run kube-controller-manager "$logs/kube-controller-manager.log" kube-controller-manager \
    --kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/apiserver.crt" \
    --use-service-account-credentials=false \
    --node-monitor-grace-period 10m
  cp_run kube-scheduler "$logs/kube-scheduler.log" kube-scheduler \
    --kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false
  cp_run kwok "$logs/kwok.log" kwok --kubeconfig "$KUBECONFIG" --manage-all-nodes=true \
    --server-address "127.0.0.1:$kwok_port" --cidr 10.244.0.0/16 --node-ip 10.0.0.10
  cp_wait kube-controller-manager "$logs/kube-controller-manager.log" \
    curl -fsSk "https://127.0.0.1:$kcm_port/healthz"
  cp_wait kube-scheduler "$logs/kube-scheduler.log" curl -fsSk "https://127.0.0.1:$sched_port/healthz"
  # The default ServiceAccount appears once the controller manager runs.
  cp_wait kube-controller-manager "$logs/kube-controller-manager.log" \
    kubectl get serviceaccount default --namespace default

  # Two fake nodes, so the app's topology spread has somewhere to spread.
  local node
  for node in kwok-node-0 kwok-node-1; do
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $node
  labels: {kubernetes.io/hostname: $node, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
EOF
  done
  cp_wait kwok "$logs/kwok.log" kubectl wait --for=condition=Ready node --all --timeout=1s
}

# kubeconfig_for FILE TOKEN writes a kubeconfig for this control plane.
kubeconfig_for() {
  KUBECONFIG="$1" kubectl config set-cluster test --server "$CONTROL_PLANE_SERVER" \
    --certificate-authority "$CONTROL_PLANE_CA" --embed-certs >/dev/null
  KUBECONFIG="$1" kubectl config set-credentials user --token "$2" >/dev/null
  KUBECONFIG="$1" kubectl config set-context test --cluster test --user user >/dev/null
  KUBECONFIG="$1" kubectl config use-context test >/dev/null
}

# control_plane_stop stops every component, newest first, and waits for each.
control_plane_stop() {
  local i
  for ((i = ${#CONTROL_PLANE_PIDS[@]} - 1; i >= 0; i--)); do
    kill "${CONTROL_PLANE_PIDS[i]}" 2>/dev/null || true
    wait "${CONTROL_PLANE_PIDS[i]}" 2>/dev/null || true
  done
  CONTROL_PLANE_PIDS=()
}
