#!/usr/bin/env bash
# Monitoring as code: the committed output is what `stack render` produces,
# and the rendered Prometheus, Alertmanager and Grafana files pass the real
# tools: promtool (config, rules, rule unit tests), amtool, a live Prometheus
# applying the scrape job's relabelling, and tsc against @grafana/schema.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"

require_command promtool amtool prometheus curl node npx

work="$(mktemp -d)"
prometheus_pid=""
cleanup() {
  [ -n "$prometheus_pid" ] && kill "$prometheus_pid" 2>/dev/null && wait "$prometheus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

log "stack render --check (committed output up to date)"
cargo run -q -p stack --locked -- render --check

# The rules are committed once, where kustomize needs them.
rules=k8s/base/files/app.rules.yml
log "promtool check rules / config"
promtool check rules "$rules"
# Debian's Prometheus is built without Kubernetes discovery, so promtool
# cannot load prometheus.yml; the local config carries the same job with
# file-based discovery (a Rust test proves only that block differs). It
# reads the rules beside it, as the local stack lays them out.
cp -r monitoring/prometheus "$work/prometheus"
mkdir -p "$work/prometheus/rules"
cp "$rules" "$work/prometheus/rules/"
promtool check config "$work/prometheus/prometheus.local.yml"

log "promtool test rules (hand-written tests against the rendered rules)"
promtool test rules stack-render/tests/promtool/*.test.yml

# The unit tests must be able to fail: each mutation of the rendered rules
# breaks an alert, and the suite has to notice it.
log "promtool tests catch broken rules"
mkdir -p "$work/mutant/stack-render/tests/promtool" "$work/mutant/$(dirname "$rules")"
cp stack-render/tests/promtool/*.test.yml "$work/mutant/stack-render/tests/promtool/"
mutations=(
  's/ratio_rate5m > 0.05/ratio_rate5m > 0.5/'                    # HighErrorRate threshold
  's/>= 0.1$/>= 0/'                                               # traffic guard gone
  's/^          absent(up{job="app", namespace="app-monitoring"})/          absent(up{job="none"})/'  # no-instance rule
  's/{quantile="0.95"} > 1$/{quantile="0.99"} > 1/'               # HighLatency quantile
  's/sum by (namespace, job, variant, le)/sum by (namespace, job, le)/'  # p95 over the job, not per variant
  's/(14.4 \* (1 - 0.999))/(14.4 * (1 - 0.99))/'                  # burn threshold
  's/http_route!~"\/healthz|\/readyz|\/metrics"/job="app"/'       # probes counted as users
  's/failures_total{job="prometheus"}\[5m\]) > 0/failures_total{job="prometheus"}[5m]) > 100/'  # meta alert
  's/^        for: .1m.$/        for: 10m/'                         # AppDown's `for`
  's/le=~"1(\[.\]0)?"/le="1.0"/'                                 # SLO bucket in one spelling only
  's/ratio_rate28d \/ (1 - 0.999)/ratio_rate28d \/ (1 - 0.99)/'   # availability budget of another SLO
  's/\[28d\]/[56d]/'                                                # error budget over the wrong period
)
for mutation in "${mutations[@]}"; do
  sed "$mutation" "$rules" >"$work/mutant/$rules"
  cmp -s "$rules" "$work/mutant/$rules" && die "mutation '$mutation' changed nothing: update it"
  if promtool test rules "$work"/mutant/stack-render/tests/promtool/*.test.yml >/dev/null 2>&1; then
    die "promtool tests still pass with the rules mutated by '$mutation'"
  fi
done

log "amtool check-config"
amtool check-config k8s/base/files/alertmanager.yml monitoring/alertmanager/alertmanager.local.yml

# Every severity the rendered rules use routes to its receiver; a severity
# the routing does not know would fall through to the default silently.
log "amtool: each severity of the rendered rules routes to its receiver"
severities="$(sed -n 's/^ *severity: *//p' "$rules" | sort -u)"
[ -n "$severities" ] || die "no severity found in $rules"
for severity in $severities; do
  case "$severity" in
    critical) receiver=page ;;
    warning) receiver=ticket ;;
    none) receiver=watchdog ;;
    *) die "severity '$severity' in $rules has no receiver in this check" ;;
  esac
  for config in k8s/base/files/alertmanager.yml monitoring/alertmanager/alertmanager.local.yml; do
    amtool config routes test --config.file="$config" --verify.receivers="$receiver" \
      "severity=$severity" alertname=Any namespace=app-monitoring job=app >/dev/null 2>&1 ||
      die "$config: severity=$severity does not route to $receiver"
  done
done

# A real Prometheus loads the local config and rules, and its targets carry
# the labels the relabelling promises (namespace, pod, variant), one per
# instance. The instances themselves are not running: only discovery and
# relabelling are under test here; the end-to-end check scrapes real ones.
log "live Prometheus: local config loads, relabelling yields one labelled target per instance"
port="$(free_ports 1)"
prometheus --config.file="$work/prometheus/prometheus.local.yml" \
  --storage.tsdb.path="$work/data" --web.listen-address="127.0.0.1:$port" --enable-feature=exemplar-storage \
  --log.level=warn >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
deadline=$((SECONDS + 30))
until curl -fsS "http://127.0.0.1:$port/api/v1/targets" -o "$work/targets.json" 2>/dev/null &&
  python3 - "$work/targets.json" <<'EOF'
import json, sys
targets = [t for t in json.load(open(sys.argv[1]))["data"]["activeTargets"] if t["labels"]["job"] == "app"]
sys.exit(0 if targets else 1)
EOF
do
  kill -0 "$prometheus_pid" 2>/dev/null || { cat "$work/prometheus.log"; die "prometheus exited"; }
  [ $SECONDS -lt $deadline ] || { cat "$work/prometheus.log"; die "no app targets after 30 s"; }
  sleep 0.5
done
python3 - "$work/targets.json" monitoring/prometheus/targets/app.json <<'EOF'
import json, sys
active = [t for t in json.load(open(sys.argv[1]))["data"]["activeTargets"] if t["labels"]["job"] == "app"]
listed = json.load(open(sys.argv[2]))
assert len(active) == len(listed), f"{len(active)} targets for {len(listed)} instances"
for target, group in zip(sorted(active, key=lambda t: t["labels"]["pod"]), listed):
    labels = target["labels"]
    meta = group["labels"]
    assert labels["namespace"] == meta["__meta_kubernetes_namespace"], labels
    assert labels["pod"] == meta["__meta_kubernetes_pod_name"], labels
    assert labels["variant"] == meta["__meta_kubernetes_pod_label_variant"], labels
    assert not any(k.startswith("__meta") for k in labels), labels
print(f"{len(active)} app targets labelled", sorted(t["labels"]["pod"] for t in active))
EOF
curl -fsS "http://127.0.0.1:$port/api/v1/rules" -o "$work/rules.json"
python3 - "$work/rules.json" <<'EOF'
import json, sys
groups = json.load(open(sys.argv[1]))["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
bad = [r["name"] for r in rules if r.get("health") == "err"]
assert rules and not bad, f"rules failing: {bad}"
print(f"{len(groups)} rule groups, {len(rules)} rules loaded")
EOF
kill "$prometheus_pid" && wait "$prometheus_pid" 2>/dev/null || true
prometheus_pid=""

log "Grafana dashboard against @grafana/schema (tsc --strict)"
types=stack-render/tests/dashboard-types
require_npm_ci "$types"
rm -rf "$types/generated"
node "$types/generate.mjs" dashboards/*.json
(cd "$types" && npx --no-install tsc -p tsconfig.json)

# And the type check must be able to fail.
sed 's/"gridPos"/"gridPosition"/' dashboards/app-overview.json >"$work/broken-dashboard.json"
rm -rf "$types/generated"
node "$types/generate.mjs" "$work/broken-dashboard.json"
if (cd "$types" && npx --no-install tsc -p tsconfig.json >/dev/null 2>&1); then
  die "tsc accepted a dashboard with a misspelt panel field"
fi
rm -rf "$types/generated"

log "monitoring checks passed"
