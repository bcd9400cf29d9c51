#!/usr/bin/env bash
# Builds the edge variant: app-spin as a wasm32-wasip1 core module, then a
# WASI 0.2 component at app-spin/app_spin.wasm (next to spin.toml, which
# points at it by a relative path, so the same manifest works here, under
# `spin up -f app-spin/spin.toml`, and at the root of the OCI image).
#
# rustup cannot add wasm targets on this machine, so the toolchain is
# Debian's: rustc-web (a recent rustc) with its std sources, rebuilt for
# wasm32-wasip1 by `-Z build-std` against wasi-libc, linked by lld. Every
# install is idempotent. The component's imports and exports are written to
# target/wasm/app_spin.world.
#
#   scripts/build-spin.sh          the component, app-spin/app_spin.wasm
#   scripts/build-spin.sh --bare   without the `instrumentation` feature (no
#                                  key-value increments; the benchmarks'
#                                  baseline): target/wasm/app_spin_bare.wasm
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

case "${1:-}" in
  "") variant=app_spin; features=() ;;
  --bare) variant=app_spin_bare; features=(--no-default-features) ;;
  *) die "usage: scripts/build-spin.sh [--bare]" ;;
esac

ensure_apt rustc-web rust-web-src cargo-web wasi-libc lld-22

target_dir="$REPO_ROOT/target/wasm"
core="$target_dir/wasm32-wasip1/release/app_spin.wasm"
# Only the default build sits next to spin.toml; the bare one is never shipped.
if [ "$variant" = app_spin ]; then
  component="$REPO_ROOT/app-spin/app_spin.wasm"
else
  component="$target_dir/$variant.wasm"
fi

log "cargo build app-spin ${features[*]} (wasm32-wasip1, Debian rustc $(/usr/bin/rustc --version | cut -d' ' -f2))"
# A separate target dir keeps these std-rebuilding artifacts away from the
# host builds of the workspace.
env RUSTC_BOOTSTRAP=1 \
  RUSTC=/usr/bin/rustc \
  CARGO_TARGET_DIR="$target_dir" \
  CARGO_TARGET_WASM32_WASIP1_LINKER=wasm-ld-22 \
  CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-Clink-self-contained=no -Lnative=/usr/lib/wasm32-wasi" \
  /usr/bin/cargo build -p app-spin "${features[@]}" --release --locked \
  -Z build-std=std,panic_abort --target wasm32-wasip1

# The preview1 -> WASI 0.2 adapter that spin-sdk 5.2 itself ships (and tests
# with): its imports are WASI 0.2.0, the oldest every Spin 3.x/4.x provides.
sdk_dir="$(cargo metadata --format-version 1 --locked \
  | python3 -c 'import json, os, sys
meta = json.load(sys.stdin)
print(next(os.path.dirname(p["manifest_path"]) for p in meta["packages"] if p["name"] == "spin-sdk"))')"
adapter="$(ls "$sdk_dir"/adapters/*/wasi_snapshot_preview1.reactor.wasm | head -n 1)"
[ -f "$adapter" ] || die "no preview1 reactor adapter in $sdk_dir"

# Node runs the component tooling and the test host.
ensure_npm_ci app-spin/host

log "component: $(basename "$adapter") adapter from spin-sdk, world:"
rm -f "$component"
node app-spin/host/componentize.mjs "$core" "$adapter" "$component" >"$target_dir/$variant.world"
sed 's/^/    /' "$target_dir/$variant.world" >&2
printf 'core module %s bytes, component %s bytes (%s)\n' \
  "$(stat -c %s "$core")" "$(stat -c %s "$component")" "${component#"$REPO_ROOT"/}"
