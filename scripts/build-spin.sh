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
# target/wasm/app_spin.world. Usage: scripts/build-spin.sh
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ensure_apt rustc-web rust-web-src cargo-web wasi-libc lld-22
# Node runs the component tooling and the test host; CI images ship Node 20
# with npm (NodeSource), so Debian's packages are only a fallback.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  ensure_apt nodejs npm
fi

target_dir="$REPO_ROOT/target/wasm"
core="$target_dir/wasm32-wasip1/release/app_spin.wasm"
component="$REPO_ROOT/app-spin/app_spin.wasm"

log "cargo build app-spin (wasm32-wasip1, Debian rustc $(/usr/bin/rustc --version | cut -d' ' -f2))"
# A separate target dir keeps these std-rebuilding artifacts away from the
# host builds of the workspace.
env RUSTC_BOOTSTRAP=1 \
  RUSTC=/usr/bin/rustc \
  CARGO_TARGET_DIR="$target_dir" \
  CARGO_TARGET_WASM32_WASIP1_LINKER=wasm-ld-22 \
  CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-Clink-self-contained=no -Lnative=/usr/lib/wasm32-wasi" \
  /usr/bin/cargo build -p app-spin --release --locked \
  -Z build-std=std,panic_abort --target wasm32-wasip1

# The preview1 -> WASI 0.2 adapter that spin-sdk 5.2 itself ships (and tests
# with): its imports are WASI 0.2.0, the oldest every Spin 3.x/4.x provides.
sdk_dir="$(cargo metadata --format-version 1 --locked \
  | python3 -c 'import json, os, sys
meta = json.load(sys.stdin)
print(next(os.path.dirname(p["manifest_path"]) for p in meta["packages"] if p["name"] == "spin-sdk"))')"
adapter="$(ls "$sdk_dir"/adapters/*/wasi_snapshot_preview1.reactor.wasm | head -n 1)"
[ -f "$adapter" ] || die "no preview1 reactor adapter in $sdk_dir"

log "npm ci (component tooling and test host)"
(cd app-spin/host && npm ci --no-audit --no-fund --loglevel=error)

log "component: $(basename "$adapter") adapter from spin-sdk, world:"
rm -f "$component"
node app-spin/host/componentize.mjs "$core" "$adapter" "$component" >"$target_dir/app_spin.world"
sed 's/^/    /' "$target_dir/app_spin.world" >&2
printf 'core module %s bytes, component %s bytes (%s)\n' \
  "$(stat -c %s "$core")" "$(stat -c %s "$component")" "${component#"$REPO_ROOT"/}"
