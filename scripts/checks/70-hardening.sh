#!/usr/bin/env bash
# Hardening: the cardinality attack on the edge component, and the fuzz
# targets on their committed seeds for a few seconds each.
#
# The hostile-input and cardinality tests (app-native/tests/hostile.rs and
# cardinality.rs) start the native binary and run with every other Rust test
# in 10-rust.sh (`cargo test --workspace`); the cardinality test aims at any
# running service with CARDINALITY_TARGET=http://HOST:PORT. The 10-minute
# soak is scripts/soak.sh, not CI.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"

# The cardinality attack on the edge variant, when 20-edge.sh has built the
# component and the edge host: on the store the shipped runtime config keeps
# in memory, with fewer requests than on native (each instance is a fresh
# one, so the edge host serves far fewer a second).
edge_requests="${EDGE_CARDINALITY_REQUESTS:-3000}"
edge_host="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/edge-host"
if [ -f app-spin/app_spin.wasm ] && [ -x "$edge_host" ]; then
  log "cardinality attack on the edge component (edge-host, $edge_requests requests)"
  host_log="$(mktemp)"
  state_dir="$(mktemp -d)"
  "$edge_host" -f app-spin/spin.toml --listen 127.0.0.1:0 --state-dir "$state_dir" \
    --runtime-config-file app-spin/runtime-config.toml >"$host_log" 2>&1 &
  host_pid=$!
  for _ in $(seq 300); do
    grep -q '^Serving http://' "$host_log" && break
    sleep 0.2
  done
  edge="$(sed -n 's|^Serving http://||p' "$host_log")"
  [ -n "$edge" ] || { kill "$host_pid"; die "edge host did not start: $(cat "$host_log")"; }
  status=0
  CARDINALITY_TARGET="http://$edge" CARDINALITY_REQUESTS="$edge_requests" \
    cargo test -p app-native --locked --test cardinality -- --nocapture || status=$?
  kill "$host_pid" 2>/dev/null || true
  wait "$host_pid" 2>/dev/null || true
  rm -rf "$host_log" "$state_dir"
  [ "$status" -eq 0 ] || die "cardinality attack on the edge component failed"
else
  log "edge component or host not built (scripts/checks/20-edge.sh): skipping its cardinality attack"
fi

# libFuzzer is C++; cargo-fuzz drives the sanitizer build.
require_command c++ cargo-fuzz rustfmt

seconds="${FUZZ_SECONDS:-15}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

cd fuzz
# Its own workspace, so the root `cargo fmt --all` does not see it.
cargo fmt --check
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address and friends);
# RUSTC_BOOTSTRAP lets the project's stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
# Without AddressSanitizer: the code under test is safe Rust, and a short run
# gets ~3x the executions. The documented long run (fuzz/README.md) keeps it.
log "cargo fuzz build"
cargo fuzz build --sanitizer none
for target in request exposition; do
  log "fuzz $target for ${seconds}s on seeds/$target"
  # New inputs go to the scratch directory (the first corpus directory), so
  # the committed seeds stay as they are.
  mkdir -p "$scratch/$target"
  cargo fuzz run --sanitizer none "$target" "$scratch/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 2>"$scratch/$target.log" ||
    { tail -n 80 "$scratch/$target.log"; die "fuzz target $target failed (input kept in fuzz/artifacts/$target/)"; }
  grep -E '^(Done|stat::number_of_executed_units)' "$scratch/$target.log" >&2 || true
done
