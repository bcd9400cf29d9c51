#!/usr/bin/env bash
# End to end on the real Prometheus and Alertmanager (stack-local/tests/e2e): the
# local stack on free loopback ports with second-scale intervals; every alert
# fired for real and delivered to the webhook receiver, every payload checked,
# fault-to-notification times bounded; rolling restart without a failed
# request, Prometheus and Alertmanager restarts, a failing receiver; and the
# `stack up` / `stack load` command line (taken port, Ctrl-C, no orphans).
# The edge variant takes part: its component and the release edge-host are
# built here (no-ops after 20-edge), and the test fails if it is left out.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"

require_command prometheus prometheus-alertmanager
cargo build --locked -q -p app-native -p stack
scripts/build-spin.sh >/dev/null
cargo build --release --locked -q -p edge-host
export EDGE_HOST_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/edge-host"
export STACK_E2E_EDGE=required
export STACK_APP_NATIVE="$REPO_ROOT/target/debug/app-native"
export STACK_BINARY="$REPO_ROOT/target/debug/stack"
# Errors print as their chain of causes; a backtrace would bury them.
RUST_BACKTRACE=0 cargo test --locked -q -p stack-local --test e2e -- \
  --ignored --nocapture --test-threads=1
