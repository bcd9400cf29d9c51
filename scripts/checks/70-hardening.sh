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
# component: on its test host (Node), which serves ~150 requests a second,
# so fewer requests than on native.
edge_requests="${EDGE_CARDINALITY_REQUESTS:-5000}"
if [ -f app-spin/app_spin.wasm ] && [ -d app-spin/host/node_modules ] && command -v node >/dev/null; then
  log "cardinality attack on the edge component ($edge_requests requests)"
  host_log="$(mktemp)"
  node app-spin/host/serve.mjs --component app-spin/app_spin.wasm >"$host_log" 2>&1 &
  host_pid=$!
  for _ in $(seq 100); do
    grep -q '^listening http=' "$host_log" && break
    sleep 0.2
  done
  edge="$(sed -n 's/^listening http=\([^ ]*\).*/\1/p' "$host_log")"
  [ -n "$edge" ] || { kill "$host_pid"; die "edge test host did not start: $(cat "$host_log")"; }
  status=0
  CARDINALITY_TARGET="http://$edge" CARDINALITY_REQUESTS="$edge_requests" \
    cargo test -p app-native --locked --test cardinality -- --nocapture || status=$?
  kill "$host_pid" 2>/dev/null || true
  wait "$host_pid" 2>/dev/null || true
  rm -f "$host_log"
  [ "$status" -eq 0 ] || die "cardinality attack on the edge component failed"
else
  log "edge component not built (scripts/build-spin.sh): skipping its cardinality attack"
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
