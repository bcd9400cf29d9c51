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

# The renderer and its config are pure: no async runtime, HTTP stack or
# libc anywhere below them. app-core comes without its `registry` feature,
# whose prometheus-client would bring libc through parking_lot.
for crate in stack-config stack-render; do
  if cargo tree --locked -p "$crate" -e normal --prefix none | grep -E '^(tokio|hyper|hyper-util|mio|libc) '; then
    die "$crate depends on an async runtime, an HTTP stack or libc (see above)"
  fi
done
