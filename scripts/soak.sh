#!/usr/bin/env bash
# Soak: mixed load against a release build of app-native for 10 minutes;
# resident memory at the end must be within 10% of what it was after the
# warm-up. Writes the result to docs/soak.md. Not part of CI (too long).
#
#   scripts/soak.sh                          600 s, 60 s warm-up, docs/soak.md
#   scripts/soak.sh --duration 60 --warmup 15 --out /tmp/soak.md   a quick try
#
# The load, all on loopback and bounded in time:
# - wrk, one thread, 8 keep-alive connections, each pausing 2 ms between
#   requests: a weighted mix of item lookups (some unknown ids), the index,
#   probes, demo errors, demo slow requests (5-120 ms), random paths (404),
#   a POST with a body (405) and a made-up method;
# - a scraper pulling /metrics every 5 s, alternating text and OpenMetrics;
# - connection churn: every second, 10 fresh HTTP/1.1 connections and 10
#   fresh h2c (prior knowledge) connections.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

duration=600
warmup=60
out=docs/soak.md
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) die "usage: scripts/soak.sh [--duration S] [--warmup S] [--out FILE]" ;;
  esac
done
[ "$warmup" -lt "$duration" ] || die "the warm-up must be shorter than the run"
sample_every=10

ensure_apt wrk curl
work="$(mktemp -d)"
server_pid=""
helpers=()
cleanup() {
  for pid in "${helpers[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

log "building app-native (release)"
cargo build --release --locked -q -p app-native
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
# Copy it out: other scripts rebuild target/release/app-native with other features.
cp "$target_dir/release/app-native" "$work/app-native"

port="$(free_ports 1)"
base="http://127.0.0.1:$port"
RUST_LOG=warn,app_native=info "$work/app-native" --listen "127.0.0.1:$port" --demo-faults \
  --log-format json 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null || die "app-native did not start: $(cat "$work/server.log")"
grep -q '"instrumentation":true' "$work/server.log" || die "not the instrumented build"

cat >"$work/mix.lua" <<'LUA'
-- A weighted mix of what a service sees: mostly reads, some misses, faults
-- and junk. Each connection pauses 2 ms between requests.
local mix = {
  {30, function() return "GET", "/api/items" end},
  {25, function() return "GET", "/api/items/" .. math.random(1, 5) end},
  {10, function() return "GET", "/" end},
  {8,  function() return "GET", "/healthz" end},
  {4,  function() return "GET", "/readyz" end},
  {5,  function() return "GET", "/demo/error" end},
  {3,  function() return "GET", "/demo/slow?ms=" .. math.random(5, 120) end},
  {8,  function() return "GET", "/r/" .. math.random(1, 1e9) .. "?q=" .. math.random(1, 1e9) end},
  {4,  function() return "POST", "/api/items", string.rep("x", math.random(1, 4096)) end},
  {3,  function() return "BREW", "/" end},
}
local total = 0
for _, entry in ipairs(mix) do total = total + entry[1] end

function setup(thread) math.randomseed(os.time()) end

function request()
  local pick = math.random(1, total)
  for _, entry in ipairs(mix) do
    pick = pick - entry[1]
    if pick <= 0 then
      local method, path, body = entry[2]()
      return wrk.format(method, path, nil, body)
    end
  end
end

function delay() return 2 end
LUA

log "soak: ${duration}s of mixed load, warm-up ${warmup}s, port $port"
nice -n 5 wrk -t1 -c8 -d"${duration}s" --latency -s "$work/mix.lua" "$base" >"$work/wrk.txt" 2>&1 &
helpers+=($!)
wrk_pid=$!

(
  # The scraper, like Prometheus on a 5 s interval.
  i=0
  while :; do
    if [ $((i % 2)) -eq 0 ]; then accept="text/plain"; else accept="application/openmetrics-text; version=1.0.0"; fi
    curl -fsS -H "accept: $accept" "$base/metrics" -o /dev/null || echo "scrape failed" >>"$work/errors"
    i=$((i + 1))
    sleep 5
  done
) &
helpers+=($!)

(
  # Connection churn: new connections every second, HTTP/1.1 and h2c.
  urls=()
  each=()
  for n in $(seq 10); do
    urls+=("$base/api/items/$n")
    each+=(-o /dev/null "$base/api/items/$n")
  done
  while :; do
    curl -s -H 'connection: close' "${each[@]}" || echo "churn h1 failed" >>"$work/errors"
    for url in "${urls[@]}"; do
      curl -s -o /dev/null --http2-prior-knowledge "$url" || echo "churn h2c failed" >>"$work/errors"
    done
    sleep 1
  done
) &
helpers+=($!)

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
fds() { find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
series() { curl -fsS "$base/metrics" | grep -c '^http_server_request_duration_seconds_count'; }

echo "elapsed_s,rss_kib,open_fds" >"$work/samples.csv"
started=$SECONDS
rss_warm=""
fds_warm=""
series_warm=""
while kill -0 "$wrk_pid" 2>/dev/null; do
  sleep "$sample_every"
  kill -0 "$server_pid" 2>/dev/null || die "app-native died during the soak: $(tail -5 "$work/server.log")"
  elapsed=$((SECONDS - started))
  echo "$elapsed,$(rss_kib),$(fds)" >>"$work/samples.csv"
  if [ -z "$rss_warm" ] && [ "$elapsed" -ge "$warmup" ]; then
    rss_warm="$(rss_kib)"
    fds_warm="$(fds)"
    series_warm="$(series)"
    log "after warm-up: RSS ${rss_warm} KiB, ${fds_warm} fds, ${series_warm} duration series"
  fi
done
wait "$wrk_pid" || die "wrk failed: $(cat "$work/wrk.txt")"
rss_end="$(rss_kib)"
fds_end="$(fds)"
series_end="$(series)"
log "at the end: RSS ${rss_end} KiB, ${fds_end} fds, ${series_end} duration series"

# Counted by the service itself, by status.
counts="$(curl -fsS "$base/metrics" | python3 -c '
import re, sys
totals = {}
for line in sys.stdin:
    if line.startswith("http_server_request_duration_seconds_count{"):
        code = re.search(r"http_response_status_code=\"(\d+)\"", line).group(1)
        totals[code] = totals.get(code, 0) + int(float(line.rsplit(" ", 1)[1]))
for code in sorted(totals):
    print(code, totals[code])
')"
rss_max="$(tail -n +2 "$work/samples.csv" | cut -d, -f2 | sort -n | tail -1)"
limit=$((rss_warm * 110 / 100))
verdict=PASS
[ "$rss_end" -le "$limit" ] || verdict=FAIL
errors="$( [ -f "$work/errors" ] && sort "$work/errors" | uniq -c || echo none)"

{
  echo "# Soak test"
  echo
  echo "\`scripts/soak.sh\` runs mixed load against a release build of \`app-native\` (not in CI: it"
  echo "takes ${duration} s) and checks that resident memory at the end is within 10% of what it was after"
  echo "the warm-up. This file is its last full result; re-run it after changes to the server, the"
  echo "handler or the metrics. The load is described at the top of the script: wrk with a"
  echo "weighted mix of routes, faults, random paths, bodies and a made-up method; a scraper every"
  echo "5 s in both formats; 10 new HTTP/1.1 and 10 new h2c connections a second."
  echo
  echo "## Result: $verdict"
  echo
  echo "| | value |"
  echo "| --- | --- |"
  echo "| date | $(date -u +%Y-%m-%dT%H:%MZ) |"
  echo "| commit | $(git rev-parse --short HEAD)$(git diff --quiet -- app-core/src app-native/src app-core/Cargo.toml app-native/Cargo.toml || echo ' (with local changes)') |"
  echo "| machine | $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), shared |"
  echo "| duration / warm-up | ${duration} s / ${warmup} s |"
  echo "| RSS after warm-up | ${rss_warm} KiB |"
  echo "| RSS at the end | ${rss_end} KiB (limit ${limit} KiB, +10%) |"
  echo "| RSS peak sample | ${rss_max} KiB |"
  echo "| open fds after warm-up / end | ${fds_warm} / ${fds_end} |"
  echo "| duration series after warm-up / end | ${series_warm} / ${series_end} |"
  echo "| client-side errors (scraper, churn) | $(echo "$errors" | tr '\n' ' ') |"
  echo
  echo "Requests the service counted, by status:"
  echo
  echo "| status | requests |"
  echo "| --- | --- |"
  echo "$counts" | awk '{ printf "| %s | %s |\n", $1, $2 }'
  echo
  echo "wrk's own summary:"
  echo
  echo '```'
  cat "$work/wrk.txt"
  echo '```'
  echo
  echo "RSS and open file descriptors, sampled every ${sample_every} s:"
  echo
  echo "| elapsed (s) | RSS (KiB) | open fds |"
  echo "| --- | --- | --- |"
  tail -n +2 "$work/samples.csv" | awk -F, '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
} >"$out"
log "soak $verdict: RSS ${rss_warm} KiB after warm-up, ${rss_end} KiB at the end; written to $out"
[ "$verdict" = PASS ]
