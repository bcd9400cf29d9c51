#!/usr/bin/env bash
# Builds the edge variant: `cargo build --target wasm32-wasip2` of app-spin,
# which makes a WASI 0.2 component directly (rustc links it with
# wasm-component-ld; no adapter, no componentize step). The component lands
# at app-spin/app_spin.wasm, next to spin.toml, which points at it by a
# relative path, so the same manifest works here, under
# `spin up -f app-spin/spin.toml`, and at the root of the OCI image.
#
# The toolchain is the workspace's own stable rustup toolchain with its
# wasm32-wasip2 target. wasm-tools, pinned, prints the component's WIT world
# to target/wasm/<variant>.world, which scripts/checks/20-edge.sh checks.
# Both come from scripts/setup.sh (scripts/up.sh runs that part itself);
# this script only checks they are there.
#
#   scripts/build-spin.sh          the component, app-spin/app_spin.wasm
#   scripts/build-spin.sh --bare   without the `instrumentation` feature (no
#                                  store call per request; the benchmarks'
#                                  baseline): target/wasm/app_spin_bare.wasm
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

case "${1:-}" in
  "") variant=app_spin; features=() ;;
  --bare) variant=app_spin_bare; features=(--no-default-features) ;;
  *) die "usage: scripts/build-spin.sh [--bare]" ;;
esac

target=wasm32-wasip2
require_spin_build_tools
wasm_tools="$WASM_TOOLS"

out_dir="$REPO_ROOT/target/wasm"
mkdir -p "$out_dir"
# Only the default build sits next to spin.toml; the bare one is never shipped.
if [ "$variant" = app_spin ]; then
  component="$REPO_ROOT/app-spin/app_spin.wasm"
else
  component="$out_dir/$variant.wasm"
fi

log "cargo build app-spin ${features[*]} ($target, $(rustc --version | cut -d' ' -f1-2))"
cargo build -p app-spin "${features[@]}" --release --locked --target "$target"
cp "target/$target/release/app_spin.wasm" "$component"
"$wasm_tools" validate "$component"

# The world as `wasm-tools component wit` prints it, one `import`/`export`
# line per interface, without the leading indentation.
"$wasm_tools" component wit "$component" | sed -n 's/^ *\(import\|export\) /\1 /p' >"$out_dir/$variant.world"
log "component world:"
sed 's/^/    /' "$out_dir/$variant.world" >&2
printf 'component %s bytes (%s)\n' "$(stat -c %s "$component")" "${component#"$REPO_ROOT"/}"
