"""The native server against the floor of its own stack (issue 14): CPU per
request paired by round against the two bench/floor baselines, and
user-space instructions per request from callgrind. Rendered into the page
by report.py, whose lookups (cells, pairing) it uses."""

from __future__ import annotations

import statistics

TARGET_SAME_RATIO = 1.10
TARGET_HELLO_RATIO = 1.25
# The loaded cells the targets are judged on: at one connection CPU per
# request is wake-ups, at 256 wrk's single thread is the bottleneck.
TARGET_CONNECTIONS = (16, 64)


def min_max(values: list[float], digits: int = 3) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def paired_cell(report, top: str, bottom: str, route: str, conns: int) -> list[float]:
    """top/bottom CPU per request of the same round, for one cell."""
    return [
        a["cpu_us_per_request"] / b["cpu_us_per_request"]
        for a, b in zip(report.cell(top, route, conns), report.cell(bottom, route, conns))
    ]


def cpu_section(report) -> list[str]:
    lines = [
        "| route | conns | CPU µs/req instrumented | CPU µs/req same-response floor | CPU µs/req hello floor "
        "| instrumented/same (paired) | instrumented/hello (paired) | bare/same (paired) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    judged_same, judged_hello = [], []
    for route, conns in report.cells():
        to_same = paired_cell(report, "instrumented", "same", route, conns)
        to_hello = paired_cell(report, "instrumented", "hello", route, conns)
        bare = paired_cell(report, "bare", "same", route, conns)
        if conns in TARGET_CONNECTIONS:
            judged_same += to_same
            judged_hello += to_hello
        lines.append(
            f"| `{route}` | {conns} | {report.figures('instrumented', route, conns, 'cpu_us_per_request', 2)} "
            f"| {report.figures('same', route, conns, 'cpu_us_per_request', 2)} "
            f"| {report.figures('hello', route, conns, 'cpu_us_per_request', 2)} "
            f"| {min_max(to_same)} | {min_max(to_hello)} | {min_max(bare)} |"
        )
    where = " and ".join(str(c) for c in TARGET_CONNECTIONS)
    for name, values, target in [
        ("same-response floor", judged_same, TARGET_SAME_RATIO),
        ("hello floor", judged_hello, TARGET_HELLO_RATIO),
    ]:
        measured = (f"{min_max(values)} median (min–max) of n={len(values)} same-round pairs"
                    if values else f"not measured (no cell at {where} connections)")
        report.targets.append((
            f"CPU per request native/{name} ≤ {target:.2f} at {where} connections",
            measured,
            statistics.median(values) <= target if values else None,
        ))
    return lines


def instruction_section(report) -> list[str]:
    counts = report.run.get("instructions")
    if not counts:
        return ["Not measured in this run."]
    per = {(c["server"], c["route"]): c for c in counts}
    lines = [
        f"{report.run['instructions_by']}; {counts[0]['requests']:,} requests per route on "
        f"{counts[0]['connections']} keep-alive connections, one request in flight on each, after as many to warm up; "
        "the whole process, every thread. The dumps are kept in `bench/work/callgrind.*.out.*` for `callgrind_annotate`.",
        "",
        "| server | route | instructions/request | vs same-response floor | vs hello floor |",
        "|---|---|---:|---:|---:|",
    ]
    for c in counts:
        same = per.get(("same", c["route"]))
        hello = per.get(("hello", c["route"]))
        lines.append(
            f"| {report.labels[c['server']]} | `{c['route']}` | {c['per_request']:,.0f} "
            f"| {c['per_request'] / same['per_request']:.3f} | {c['per_request'] / hello['per_request']:.3f} |"
        )
    return lines + traced_lines(per)


def traced_lines(per: dict) -> list[str]:
    """The paired traceparent counts: the same route, same process, with
    and without the header, per server."""
    traced = "/api/items/1 + traceparent"
    lines = []
    for server, label in (("instrumented", "instrumented"), ("bare", "bare"), ("same", "same-response floor")):
        with_header, without = per.get((server, traced)), per.get((server, "/api/items/1"))
        if with_header and without:
            extra = with_header["per_request"] - without["per_request"]
            lines.append(
                f"- `traceparent` on `/api/items/1`, {label}: {with_header['per_request']:,.0f} with, "
                f"{without['per_request']:,.0f} without ({extra:+,.0f}, {extra / without['per_request']:+.1%})"
            )
    return [""] + lines if lines else []
