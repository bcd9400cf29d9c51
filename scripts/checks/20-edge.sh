#!/usr/bin/env bash
# The edge variant: build the Spin component from this checkout (its size is
# printed), check it only asks a Spin host for what Spin provides, then run
# it on the edge host (edge-host: wasmtime, a fresh instance per request,
# Spin's SQLite-backed key-value store, in memory as app-spin/runtime-config.toml
# says, reading app-spin/spin.toml) through the shared
# route table, exact-count, random-path, schema, restart and store-failure
# tests.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"

scripts/build-spin.sh

log "component world: imports Spin 3.x/4.x provide, exports the WASI HTTP handler"
world="target/wasm/app_spin.world"
scripts/check-spin-world.sh "$world"
# The metrics live in Spin's key-value store (atomics for the increments,
# batch for the scrape); nothing uses the SQLite interface any more.
for interface in store atomics batch; do
  grep -q "^import wasi:keyvalue/$interface@0.2.0-draft2;" "$world" || die "component does not import wasi:keyvalue/$interface"
done
! grep -q '^import fermyon:spin/sqlite@' "$world" || die "component still imports fermyon:spin/sqlite"
# The check itself must fail on a world Spin would not link: an import from
# outside its interfaces, a newer WASI minor, a second export.
bad="$(mktemp -d)"
trap 'rm -rf "$bad"' EXIT
for line in 'import acme:billing/ledger@1.0.0;' 'import wasi:io/poll@0.3.0;' 'export wasi:cli/run@0.2.6;'; do
  { cat "$world"; printf '%s\n' "$line"; } >"$bad/world"
  if scripts/check-spin-world.sh "$bad/world" 2>/dev/null; then
    die "the world check accepted a component with: $line"
  fi
done

cargo clippy -p app-spin --features edge-tests --all-targets --locked -- -D warnings
# Release: the tests' throughput is the host's, and cranelift compiles the
# component at start-up. (Its own tests run with the workspace's, 10-rust.sh.)
cargo build --release -p edge-host --locked
# The schema test also compares with the real native binary.
cargo build -p app-native --locked
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
EDGE_HOST_BIN="$target/release/edge-host" APP_NATIVE_BIN="$target/debug/app-native" \
  cargo test -p app-spin --features edge-tests --test edge --locked
