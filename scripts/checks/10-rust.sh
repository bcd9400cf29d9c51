#!/usr/bin/env bash
# Formatting, lints and every Rust test of the workspace.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"
require_command pkg-config cargo-clippy rustfmt
mapfile -t crates < <(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, os, sys
for p in json.load(sys.stdin)["packages"]: print(os.path.relpath(os.path.dirname(p["manifest_path"])))')
python3 scripts/lint/module_cycles.py "${crates[@]}"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

# The renderer is pure: no async runtime, HTTP stack or libc of its own.
# (libc still arrives through app-core's prometheus-client -> parking_lot,
# on Linux only; the renderer itself never calls it.)
renderer_deps="$(cargo tree --locked -p stack-render -e normal --prefix none)"
if grep -E '^(tokio|hyper|hyper-util|mio) ' <<<"$renderer_deps"; then
  die "stack-render depends on an async runtime or HTTP stack"
fi
if cargo tree --locked -p stack-render -e normal --depth 1 --prefix none | grep -E '^libc '; then
  die "stack-render depends on libc directly"
fi
