#!/usr/bin/env bash
# Quick start, command one: bring the local stack up on this machine.
# Installs what is missing, builds, and runs in the foreground; Ctrl-C stops
# everything. Arguments are passed on to `stack up` (see `--help`); with
# `--no-edge` the Spin component is neither built nor started.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

# This is `nix run .#up` too (nix/apps.nix), with the tools from nixpkgs.
# Here `stack up` installs Prometheus and Alertmanager itself when missing
# (and disables the system services the Debian packages would start on its
# ports); Grafana joins when a grafana binary is on PATH.
cargo build --release --locked -p app-native -p stack

case " $* " in
  *" --no-edge "*) ;;
  *)
    log "building the edge variant (first time: a few minutes; skip with --no-edge)"
    ensure_spin_build_tools
    bash scripts/build-spin.sh
    # Without a Spin CLI on PATH the component runs on the wasmtime host.
    command -v spin >/dev/null || cargo build --release --locked -p edge-host
    ;;
esac

exec target/release/stack up --no-build "$@"
