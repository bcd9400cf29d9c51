#!/usr/bin/env bash
# Formatting, lints and every Rust test of the workspace.
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"
ensure_apt pkg-config
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
