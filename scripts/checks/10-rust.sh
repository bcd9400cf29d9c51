#!/usr/bin/env bash
# Formatting, lints and every Rust test of the workspace.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"
require_command pkg-config cargo-clippy rustfmt
python3 scripts/lint/module_cycles.py $(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, os, sys; root = os.getcwd()
print(" ".join(os.path.relpath(os.path.dirname(p["manifest_path"]), root) for p in json.load(sys.stdin)["packages"]))')
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
