#!/usr/bin/env bash
# Prints bench/bench.py's edge manifest: how to start the edge variant under
# the tests' WASI-HTTP host, or why it cannot be measured here.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"

skip() { python3 -c 'import json,sys; print(json.dumps({"skip": sys.argv[1]}))' "$1"; exit 0; }

[ -x scripts/build-spin.sh ] || [ -f scripts/build-spin.sh ] || skip "scripts/build-spin.sh does not exist yet"
skip "the edge host harness is not wired into the bench yet"
