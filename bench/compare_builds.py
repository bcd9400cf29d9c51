#!/usr/bin/env python3
"""User-space instructions per request of two app-native builds, with and
without a `traceparent`, in one session: what a change costs a request that
does not use it, priced against the build before it.

    python3 bench/compare_builds.py BEFORE_BINARY AFTER_BINARY [ROUNDS]

Both binaries run under callgrind the way bench.py counts them
(instructions.py: 16 warmed keep-alive connections, 4,000 counted requests
per probe), in interleaved rounds so both see the same machine; prints a
markdown table of the median per request and the min-max over the rounds.

Build BEFORE from an export of the older commit (`git archive`) and copy the
binary out. Sharing this tree's target directory saves the dependencies'
build, but then run `cargo clean --release -p app-core -p app-native`
before building here again: workspace crates of both trees get the same
unit names, and cargo takes the other tree's build for a fresh one.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import bench  # noqa: E402  (the probes and pinning bench.py uses)
import instructions  # noqa: E402

PROBES = [p for p in bench.PROBES if p.path == "/api/items/1"]


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    builds = {"before": sys.argv[1], "after": sys.argv[2]}
    rounds = int(sys.argv[3]) if len(sys.argv) == 4 else 3
    work = BENCH / "work"
    work.mkdir(exist_ok=True)
    server_prefix, _ = bench.pinning()
    seen: dict[tuple[str, str], list[float]] = {}
    for round_no in range(rounds):
        for key, binary in builds.items():
            port = bench.free_port()
            argv = [binary, "--listen", f"127.0.0.1:{port}"]
            for c in instructions.count(f"compare-{key}", server_prefix, argv, port, work, PROBES, 16, 4000, 4000):
                seen.setdefault((key, c.route), []).append(c.per_request)
                print(f"round {round_no + 1}: {key:<6} {c.route:<28} {c.per_request:,.0f}", file=sys.stderr)
    print("| build | probe | instructions/request, median (min–max) |")
    print("|---|---|---:|")
    for (key, route), values in seen.items():
        print(f"| {key} | `{route}` | {statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
