#!/usr/bin/env bash
# Takes docs/img/alerts.png: Prometheus' /classic/alerts page with alerts
# firing for real. Runs the local stack with the end-to-end test's short
# intervals on free ports in a temporary directory, kills one app instance
# and switches the traffic to errors, waits until AppDown and HighErrorRate
# fire, and photographs the page with headless Chromium.
# Usage: scripts/screenshot-alerts.sh [OUTPUT.png]
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

output="${1:-docs/img/alerts.png}"
ensure_apt prometheus prometheus-alertmanager chromium curl
cargo build --release --locked -q -p app-native -p stack

work="$(mktemp -d)"
stack_pid=""
cleanup() {
  if [ -n "$stack_pid" ] && kill -0 "$stack_pid" 2>/dev/null; then
    kill -INT "$stack_pid"
    wait "$stack_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

read -r prom am receiver app1 app2 edge < <(free_ports 6)

log "starting the local stack (state in $work)"
: >"$work/up.log"
target/release/stack up --no-build --no-install --no-edge \
  --config stack-local/tests/e2e/e2e.toml --state-dir "$work/state" \
  --prometheus-port "$prom" --alertmanager-port "$am" --receiver-port "$receiver" \
  --app-ports "$app1,$app2" --edge-port "$edge" 2>"$work/up.log" &
stack_pid=$!

# poll SECONDS DESCRIPTION COMMAND...: runs COMMAND until it succeeds.
poll() {
  local deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@"; do
    kill -0 "$stack_pid" 2>/dev/null || { cat "$work/up.log" >&2; die "stack up exited"; }
    [ "$SECONDS" -lt "$deadline" ] || { cat "$work/up.log" >&2; die "timed out waiting for $what"; }
    sleep 0.5
  done
}
poll 120 "the stack" grep -q "The local stack is up" "$work/up.log"

log "breaking things: app-native-1 killed, traffic full of errors"
app1_pid="$(python3 -c 'import json,sys; print(dict(json.load(open(sys.argv[1]))["children"])["app-native-1"])' "$work/state/stack.json")"
kill -KILL "$app1_pid"
target/release/stack load errors --config stack-local/tests/e2e/e2e.toml --state-dir "$work/state" >/dev/null

firing() {
  local alerts
  alerts="$(curl -fsS "http://127.0.0.1:$prom/api/v1/alerts")" || return 1
  python3 - "$alerts" <<'EOF'
import json, sys
alerts = json.loads(sys.argv[1])["data"]["alerts"]
names = {a["labels"]["alertname"] for a in alerts if a["state"] == "firing"}
sys.exit(0 if {"AppDown", "HighErrorRate"} <= names else 1)
EOF
}
poll 60 "AppDown and HighErrorRate to fire" firing

log "photographing http://127.0.0.1:$prom/classic/alerts"
mkdir -p "$(dirname "$output")"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$work/chromium" --window-size=1280,1000 \
  --screenshot="$work/alerts.png" "http://127.0.0.1:$prom/classic/alerts" 2>"$work/chromium.log" \
  || { cat "$work/chromium.log" >&2; die "chromium failed"; }
[ -s "$work/alerts.png" ] || die "chromium wrote no screenshot"
mv "$work/alerts.png" "$output"
log "wrote $output"
