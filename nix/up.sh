#!/usr/bin/env bash
# nix run .#up
#
# The local stack from nixpkgs, configured by the rendered files of this
# flake: app-native instances at the addresses of the rendered file-discovery
# targets, Prometheus with the local config and the rules, Alertmanager, a
# webhook receiver that prints notifications, and Grafana provisioned with
# the rendered datasources and dashboards. Foreground; Ctrl-C stops it all.
#
# The Nix wrapper (nix/apps.nix) puts the tools on PATH and sets
#   UP_RENDERED      the rendered tree (monitoring/, dashboards/)
#   UP_APP_NATIVE    the app-native binary
#   UP_GRAFANA_HOME  Grafana's share/grafana directory
#   UP_HELPER        nix/local_stack.py
# Optional: UP_STATE_DIR (default $XDG_STATE_HOME/app-monitoring-up),
# UP_PROMETHEUS_ADDRESS (127.0.0.1:9090), UP_GRAFANA_PORT (3000).
set -euo pipefail

die() { printf 'up: error: %s\n' "$*" >&2; exit 1; }
step() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

: "${UP_RENDERED:?set by the Nix wrapper; run this through nix run .#up}"
: "${UP_APP_NATIVE:?}" "${UP_GRAFANA_HOME:?}" "${UP_HELPER:?}"
state="${UP_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/app-monitoring-up}"
prometheus_address="${UP_PROMETHEUS_ADDRESS:-127.0.0.1:9090}"
grafana_port="${UP_GRAFANA_PORT:-3000}"

config="$state/config"
prometheus_yml="$config/monitoring/prometheus/prometheus.local.yml"
alertmanager_yml="$config/monitoring/alertmanager/alertmanager.local.yml"
targets_json="$config/monitoring/prometheus/targets/app.json"

# A fresh copy of the rendered files each run (data directories are kept),
# writable so that Prometheus can follow the targets file it expects there.
step "local stack state in $state"
mkdir -p "$state"
rm -rf "$config"
mkdir -p "$config"
cp -r "$UP_RENDERED/monitoring" "$UP_RENDERED/dashboards" "$config/"
chmod -R u+w "$config"
for file in "$prometheus_yml" "$alertmanager_yml" "$targets_json"; do
  [ -f "$file" ] || die "the rendered tree has no ${file#"$config"/}"
done

pids=()
# Called by the trap only, which shellcheck 0.9 does not follow.
# shellcheck disable=SC2317
stop() {
  trap - EXIT INT TERM
  step "stopping"
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

start() {
  local name="$1"
  shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=("$!")
}

wait_ready() {
  local name="$1" url="$2" tries=60
  until curl -fs -o /dev/null "$url"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || die "$name did not answer at $url; its log lines are above"
    sleep 1
  done
}

# One app-native per rendered target, so Prometheus finds what it expects.
mapfile -t app_addresses < <(jq -r '.[].targets[]' "$targets_json")
[ ${#app_addresses[@]} -gt 0 ] || die "$targets_json lists no targets"
for address in "${app_addresses[@]}"; do
  start "app ${address}" "$UP_APP_NATIVE" --listen "$address" --demo-faults
done

alertmanager_address="$(python3 "$UP_HELPER" alertmanager-address "$prometheus_yml")"
mapfile -t receiver_addresses < <(python3 "$UP_HELPER" webhook-addresses "$alertmanager_yml")
for address in "${receiver_addresses[@]}"; do
  start "alerts" python3 "$UP_HELPER" receiver "$address"
done

promtool check config "$prometheus_yml" >/dev/null
amtool check-config "$alertmanager_yml" >/dev/null

start alertmanager alertmanager \
  --config.file="$alertmanager_yml" \
  --storage.path="$state/alertmanager" \
  --web.listen-address="$alertmanager_address" \
  --cluster.listen-address=

start prometheus prometheus \
  --config.file="$prometheus_yml" \
  --storage.tsdb.path="$state/prometheus" \
  --web.listen-address="$prometheus_address" \
  --enable-feature=exemplar-storage \
  --web.enable-lifecycle

provisioning="$state/grafana/provisioning"
rm -rf "$provisioning"
python3 "$UP_HELPER" grafana "$config/monitoring/grafana/provisioning" "$provisioning" \
  "http://$prometheus_address" "http://$alertmanager_address" "$config/dashboards"
grafana_password="$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)"
mkdir -p "$state/grafana/data" "$state/grafana/logs" "$state/grafana/plugins"
start grafana env \
  GF_PATHS_DATA="$state/grafana/data" \
  GF_PATHS_LOGS="$state/grafana/logs" \
  GF_PATHS_PLUGINS="$state/grafana/plugins" \
  GF_PATHS_PROVISIONING="$provisioning" \
  GF_SERVER_HTTP_ADDR=127.0.0.1 \
  GF_SERVER_HTTP_PORT="$grafana_port" \
  GF_SECURITY_ADMIN_USER=admin \
  GF_SECURITY_ADMIN_PASSWORD="$grafana_password" \
  GF_ANALYTICS_REPORTING_ENABLED=false \
  GF_ANALYTICS_CHECK_FOR_UPDATES=false \
  grafana server --homepath "$UP_GRAFANA_HOME"

for address in "${app_addresses[@]}"; do
  wait_ready "app-native" "http://$address/readyz"
done
wait_ready alertmanager "http://$alertmanager_address/-/ready"
wait_ready prometheus "http://$prometheus_address/-/ready"
wait_ready grafana "http://127.0.0.1:$grafana_port/api/health"

cat <<EOF

app:          $(printf 'http://%s ' "${app_addresses[@]}")
Prometheus:   http://$prometheus_address
Alertmanager: http://$alertmanager_address
Grafana:      http://127.0.0.1:$grafana_port  (admin / $grafana_password, this run only)
Trip an alert: for i in \$(seq 200); do curl -s -o /dev/null http://${app_addresses[0]}/demo/error; done

EOF
wait -n "${pids[@]}"
die "a process of the stack exited; its log lines are above"
