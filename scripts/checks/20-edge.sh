#!/usr/bin/env bash
# The edge variant: build the Spin component from this checkout (its size is
# printed), check it only asks a Spin host for what Spin provides, then run
# it on a real WASI-HTTP host (app-spin/host: jco + preview2-shim on Node, a
# fresh instance per request, Spin's key-value semantics) through the shared
# route table, exact-count, random-path and schema tests.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"

scripts/build-spin.sh

log "component world: imports Spin 3.x/4.x provide, exports the WASI HTTP handler"
world="target/wasm/app_spin.world"
allowed='^import (wasi:(io|clocks|cli|filesystem|random)/[a-z-]+@0\.2\.[0-9]+|wasi:http/types@0\.2\.[0-9]+|wasi:keyvalue/(store|atomics|batch)@0\.2\.0-draft2|fermyon:spin/variables@2\.0\.0);$'
unexpected="$(grep '^import ' "$world" | grep -Ev "$allowed" || true)"
[ -z "$unexpected" ] || die "component imports something Spin may not provide: $unexpected"
grep -qx 'export wasi:http/incoming-handler@0.2.0;' "$world" || die "no wasi:http/incoming-handler@0.2.0 export"
[ "$(grep -c '^export ' "$world")" -eq 1 ] || die "unexpected exports: $(grep '^export ' "$world")"
for needed in wasi:keyvalue/atomics wasi:keyvalue/store; do
  grep -q "^import $needed@" "$world" || die "component does not import $needed"
done

cargo clippy -p app-spin --features edge-tests --all-targets --locked -- -D warnings
# The schema test also compares with the real native binary.
cargo build -p app-native --locked
APP_NATIVE_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/app-native" \
  cargo test -p app-spin --features edge-tests --test edge --locked
