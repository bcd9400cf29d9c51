#!/usr/bin/env bash
# Every benchmark once, for seconds, so none of them rots: native instrumented
# and bare, the two floor baselines (bench/floor) and the byte-for-byte check
# of the same-response one, instruction counts under callgrind, the Flask
# peer (sync and gthread workers), the edge variant when it is built, and the
# criterion benches. Fails when a bench breaks; targets are only reported
# (timed assertions on a shared machine would be flaky, not informative).
source "$(dirname "$0")/../lib.sh"
cd "$REPO_ROOT"
require_command wrk taskset valgrind
require_venv bench/.venv
bash bench/run.sh --smoke
grep -q '^| `/api/items/1` | 16 |' bench/work/results-smoke.md || die "smoke table lacks the native rows"
grep -q '^| floor: bare hyper, hello | `/` | [0-9,]* |' bench/work/results-smoke.md || die "smoke table lacks the instruction counts"
grep -q '^| Flask (sync worker) CPU per request' bench/work/results-smoke.md || die "smoke table lacks the Flask sync worker"
