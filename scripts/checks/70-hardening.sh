#!/usr/bin/env bash
# Hardening: the fuzz targets on their committed seeds for a few seconds each.
#
# The hostile-input and cardinality tests (app-native/tests/hostile.rs and
# cardinality.rs) start the real binary and run with every other Rust test in
# 10-rust.sh (`cargo test --workspace`). To aim the cardinality attack at
# another variant: CARDINALITY_TARGET=http://127.0.0.1:PORT cargo test -p
# app-native --test cardinality. The 10-minute soak is scripts/soak.sh, not CI.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"

# libFuzzer is C++; cargo-fuzz drives the sanitizer build.
command -v c++ >/dev/null || ensure_apt g++
ensure_cargo_tool cargo-fuzz
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt

seconds="${FUZZ_SECONDS:-15}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

cd fuzz
# Its own workspace, so the root `cargo fmt --all` does not see it.
cargo fmt --check
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address and friends);
# RUSTC_BOOTSTRAP lets the project's stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
log "cargo fuzz build"
cargo fuzz build
for target in request exposition; do
  log "fuzz $target for ${seconds}s on seeds/$target"
  # New inputs go to the scratch directory (the first corpus directory), so
  # the committed seeds stay as they are.
  mkdir -p "$scratch/$target"
  cargo fuzz run "$target" "$scratch/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 2>"$scratch/$target.log" ||
    { tail -n 80 "$scratch/$target.log"; die "fuzz target $target failed (input kept in fuzz/artifacts/$target/)"; }
  grep -E '^(Done|stat::number_of_executed_units)' "$scratch/$target.log" >&2 || true
done
