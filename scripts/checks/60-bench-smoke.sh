#!/usr/bin/env bash
# Every benchmark once, for seconds, so none of them rots: native instrumented
# and bare, the Flask peer, the edge variant when it is built, and the
# criterion benches. Fails when a bench breaks; targets are only reported
# (timed assertions on a shared machine would be flaky, not informative).
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"
require_command wrk taskset
require_venv bench/.venv
bash bench/run.sh --smoke
grep -q '^| `/api/items/1` | 16 |' bench/work/results-smoke.md || die "smoke table lacks the native rows"
