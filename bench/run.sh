#!/usr/bin/env bash
# Builds everything in release mode, runs every benchmark side by side and
# writes the markdown table.
#
#   bench/run.sh            full run (~10 min), table to bench/results.md
#   bench/run.sh --smoke    seconds per bench (debug builds), table to bench/work/results-smoke.md
#   bench/run.sh --only edge
#                           only the edge servers (~6 min), merged into the saved
#                           full run (bench/work/run-full.json), table to bench/results.md
#
# Needs wrk and valgrind (Debian) and python3 (Debian's python3-venv is
# installed when missing); installs the Flask peer's pinned packages into
# bench/.venv. Fails when a bench breaks, never on a missed target.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"

mode=full
out=bench/results.md
only=()
case "${1:-}" in
  --smoke) mode=smoke; out=bench/work/results-smoke.md ;;
  --only)
    [ "${2:-}" = edge ] || die "usage: bench/run.sh --only edge"
    only=(--only edge) ;;
  "") ;;
  *) die "usage: bench/run.sh [--smoke | --only edge]" ;;
esac

command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk"
command -v valgrind >/dev/null || die "valgrind is missing: apt-get install valgrind"
mkdir -p bench/work

# The floor baselines, then two builds of the same server; copy each out before the next build
# overwrites it. The default build goes last so the shared binary is left as
# everyone else expects it. The smoke run uses the debug profile the Rust
# checks already built: its figures mean nothing, it proves the benches run.
if [ ${#only[@]} -gt 0 ]; then
  bash bench/edge.sh > bench/work/edge.json
  log "running (edge only, merged into bench/work/run-$mode.json)"
  python3 bench/bench.py --mode "$mode" "${only[@]}" --out "$out"
  log "table written to $out"
  exit 0
fi

if [ "$mode" = full ]; then profile=release; else profile=debug; fi
cargo_profile=()
[ "$profile" = release ] && cargo_profile=(--release)
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
log "building the floor baselines ($profile, bench/floor)"
cargo build "${cargo_profile[@]}" --locked -q -p bench-floor
cp "$target_dir/$profile/bench-floor" bench/work/bench-floor
log "building app-native ($profile, bare: --no-default-features)"
cargo build "${cargo_profile[@]}" --locked -q -p app-native --no-default-features
cp "$target_dir/$profile/app-native" bench/work/app-native-bare
log "building app-native ($profile, instrumented)"
cargo build "${cargo_profile[@]}" --locked -q -p app-native
cp "$target_dir/$profile/app-native" bench/work/app-native-instrumented
if [ "$mode" = full ]; then
  log "building the criterion bench"
  cargo bench --locked -q -p app-core --bench metrics --no-run
fi

# The Flask peer's pinned packages (scripts/setup.sh installs them).
require_venv bench/.venv

bash bench/edge.sh > bench/work/edge.json

log "running ($mode)"
python3 bench/bench.py --mode "$mode" --out "$out"
log "table written to $out"
