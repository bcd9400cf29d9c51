#!/usr/bin/env bash
# Quick start, command one: bring the local stack up on this machine.
# Installs what is missing, builds, and runs in the foreground; Ctrl-C stops
# everything. Arguments are passed on to `stack up` (see `--help`).
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

if [ -f stack/src/local/mod.rs ]; then
  # `stack up` installs Prometheus and Alertmanager itself when missing (and
  # disables the system services the Debian packages would start on its
  # ports); the edge variant joins when scripts/build-spin.sh has built it.
  cargo build --release --locked -p app-native -p stack
  exec target/release/stack up --no-build "$@"
fi

# Until the local stack runner lands: the native server alone, with demo faults.
cargo build --release --locked -p app-native
log "app-native on http://127.0.0.1:8080 — try:"
log "  curl -s localhost:8080/api/items/1; curl -s localhost:8080/metrics | head"
log "  for i in \$(seq 100); do curl -s -o /dev/null localhost:8080/demo/error; done"
exec target/release/app-native --listen 127.0.0.1:8080 --demo-faults "$@"
