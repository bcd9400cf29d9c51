#!/usr/bin/env python3
"""Renders the markdown table from a run that bench.py saved, so the table
can be rebuilt (after a wording or method fix) without loading the shared
machine again:  python3 bench/report.py bench/work/run-full.json bench/results.md

Verdicts use paired ratios: within each round the servers run one after the
other on the same cell, so instrumented/bare of the same round sees the same
outside load. The verdict is the median of those ratios over every cell and
round; per-cell ratios of medians are shown beside them for detail.
"""

from __future__ import annotations

import json
import operator
import statistics
import sys
from pathlib import Path

import floor_report

TARGET_CPU_RATIO = 1.05
TARGET_P99_RATIO = 1.05
TARGET_FLASK_CPU = 35.0
TARGET_FLASK_SYNC_CPU = 40.0
TARGET_RECORD_NS = 100.0
TARGET_RENDER_DEFAULT_NS = 1_000_000.0
TARGET_EDGE_P50_MS = 1.0
TARGET_EDGE_CPU_RATIO = 20.0
TARGET_EDGE_P50_RATIO_64 = 5.0
# Issue 16: the edge metrics may cost at most half a bare request, at 16
# connections, on a host whose store behaves like Spin's.
TARGET_EDGE_METRICS_CPU = 1.5
TARGET_EDGE_METRICS_CONNS = 16
# A figure reported beside the targets that has none of its own.
INFO = "info"


def ratio(top: float, bottom: float) -> float | None:
    """top/bottom; None (left out) when bottom is zero."""
    return top / bottom if bottom else None


def loads(before: list[float], after: list[float]) -> str:
    """Load averages (1/5/15 min) before and after a run."""
    return (f"before {before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f}, "
            f"after {after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f}")


def spread(values: list[float], digits: int = 1) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:,.{digits}f}"
    return f"{med:,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def quartiles(values: list[float], digits: int, unit: str = "") -> str:
    med = statistics.median(values)
    if len(values) < 4:
        return f"{med:.{digits}f}{unit}"
    low, _, high = statistics.quantiles(values, n=4)
    return f"{med:.{digits}f}{unit} (interquartile {low:.{digits}f}–{high:.{digits}f}{unit}, n={len(values)})"


def verdict(ok: bool | str | None) -> str:
    if ok is None:
        return "not measured"
    if ok == INFO:
        return "(no target)"
    return "pass" if ok else "**FAIL**"


def fmt_ns(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    if value >= 1e3:
        return f"{value / 1e3:.1f} µs"
    return f"{value:.1f} ns"


class Report:
    def __init__(self, run: dict):
        self.run = run
        self.samples = run["samples"]
        self.labels = run["labels"]
        self.targets: list[tuple[str, str, bool | str | None]] = []

    # -- lookups ---------------------------------------------------------------

    def cell(self, server: str, route: str, conns: int) -> list[dict]:
        """One cell's samples, in round order."""
        return [s for s in self.samples if (s["server"], s["route"], s["connections"]) == (server, route, conns)]

    def median(self, server: str, route: str, conns: int, attr: str) -> float:
        return statistics.median(s[attr] for s in self.cell(server, route, conns))

    def figures(self, server: str, route: str, conns: int, attr: str, digits: int = 1) -> str:
        return spread([s[attr] for s in self.cell(server, route, conns)], digits)

    def cells(self) -> list[tuple[str, int]]:
        seen: list[tuple[str, int]] = []
        for s in self.samples:
            if (s["route"], s["connections"]) not in seen:
                seen.append((s["route"], s["connections"]))
        return seen

    def paired(self, top: str, bottom: str, attr: str, op=ratio) -> list[float]:
        """op(top, bottom) of the same round, over every cell (top/bottom by
        default); a pair for which op gives None is left out."""
        values = []
        for route, conns in self.cells():
            for a, b in zip(self.cell(top, route, conns), self.cell(bottom, route, conns)):
                value = op(a[attr], b[attr])
                if value is not None:
                    values.append(value)
        return values

    # -- sections ----------------------------------------------------------------

    def native_table(self) -> list[str]:
        lines = [
            "| route | conns | req/s instrumented | req/s bare | CPU µs/req instrumented | CPU µs/req bare | of which kernel | CPU ratio | p50 ms instr / bare | p99 ms instrumented | p99 ms bare | p99 ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for route, conns in self.cells():
            cpu_ratio = self.median("instrumented", route, conns, "cpu_us_per_request") / self.median("bare", route, conns, "cpu_us_per_request")
            p99_ratio = self.median("instrumented", route, conns, "p99_ms") / self.median("bare", route, conns, "p99_ms")
            lines.append(
                f"| `{route}` | {conns} | {self.figures('instrumented', route, conns, 'rps', 0)} | {self.figures('bare', route, conns, 'rps', 0)} "
                f"| {self.figures('instrumented', route, conns, 'cpu_us_per_request', 2)} | {self.figures('bare', route, conns, 'cpu_us_per_request', 2)} "
                f"| {self.median('instrumented', route, conns, 'kernel_share'):.0%} | {cpu_ratio:.3f} "
                f"| {self.median('instrumented', route, conns, 'p50_ms'):.3f} / {self.median('bare', route, conns, 'p50_ms'):.3f} "
                f"| {self.figures('instrumented', route, conns, 'p99_ms', 3)} | {self.figures('bare', route, conns, 'p99_ms', 3)} | {p99_ratio:.3f} |"
            )
        cpu = self.paired("instrumented", "bare", "cpu_us_per_request")
        p99 = self.paired("instrumented", "bare", "p99_ms")
        self.targets.append(("CPU per request instrumented/bare ≤ 1.05", quartiles(cpu, 3), statistics.median(cpu) <= TARGET_CPU_RATIO))
        self.targets.append(("p99 latency instrumented/bare ≤ 1.05", quartiles(p99, 3), statistics.median(p99) <= TARGET_P99_RATIO))
        return lines

    def flask_table(self) -> list[str]:
        lines = [
            "| route | conns | req/s Flask sync | req/s Flask gthread | req/s native | CPU µs/req Flask sync | CPU µs/req Flask gthread "
            "| CPU µs/req native | CPU sync/native | CPU gthread/native | CPU gthread/bare | p99 ms sync / gthread |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for route, conns in self.cells():
            med = lambda server, attr: self.median(server, route, conns, attr)  # noqa: E731
            native = med("instrumented", "cpu_us_per_request")
            lines.append(
                f"| `{route}` | {conns} | {self.figures('flask-sync', route, conns, 'rps', 0)} | {self.figures('flask', route, conns, 'rps', 0)} "
                f"| {med('instrumented', 'rps'):,.0f} "
                f"| {self.figures('flask-sync', route, conns, 'cpu_us_per_request', 1)} | {self.figures('flask', route, conns, 'cpu_us_per_request', 1)} "
                f"| {native:.2f} | {med('flask-sync', 'cpu_us_per_request') / native:.1f}× | {med('flask', 'cpu_us_per_request') / native:.1f}× "
                f"| {med('flask', 'cpu_us_per_request') / med('bare', 'cpu_us_per_request'):.1f}× "
                f"| {med('flask-sync', 'p99_ms'):.2f} / {med('flask', 'p99_ms'):.2f} |"
            )
        sync = self.paired("flask-sync", "instrumented", "cpu_us_per_request")
        ratios = self.paired("flask", "instrumented", "cpu_us_per_request")
        rps = self.paired("instrumented", "flask", "rps")
        self.targets.append(("Flask (sync worker) CPU per request ≥ 40× native (instrumented)", quartiles(sync, 1, "×"), statistics.median(sync) >= TARGET_FLASK_SYNC_CPU))
        self.targets.append(("Flask (gthread) CPU per request ≥ 35× native (instrumented)", quartiles(ratios, 1, "×"), statistics.median(ratios) >= TARGET_FLASK_CPU))
        self.targets.append(("requests/s native/Flask (gthread)", quartiles(rps, 1, "×"), INFO))
        return lines

    def has(self, server: str) -> bool:
        return any(s["server"] == server for s in self.samples)

    def cell_ratios(self, top: str, bottom: str, attr: str) -> list[float]:
        """Per-cell ratios of medians, for servers that may come from two
        different runs (edge rows merged into a saved run) and so cannot be
        paired by round."""
        return [
            self.median(top, route, conns, attr) / self.median(bottom, route, conns, attr)
            for route, conns in self.cells()
            if self.cell(top, route, conns) and self.cell(bottom, route, conns)
        ]

    def calls_per_request(self, stats: dict | None) -> str | None:
        if not stats or not stats.get("instances"):
            return None
        parts = []
        for op, count in sorted(stats["ops"].items()):
            per_request = count / stats["instances"]
            # A bare build's only calls are its few scrapes: say how many.
            parts.append(f"{op} {per_request:.2f}" if per_request >= 0.005 else f"{op} {count} in all")
        return ", ".join(parts) or "none"

    def edge_table(self) -> list[str]:
        skipped = self.run.get("edge_skipped")
        if skipped:
            self.targets.append(("edge p50 ≤ 1 ms at one connection", f"not measured: {skipped}", None))
            return [f"Not measured: {skipped}."]
        lines = [
            "Against native (instrumented):",
            "",
            "| route | conns | req/s edge | req/s native/edge | p50 ms edge | p50 edge/native | p99 ms edge | CPU µs/req edge | CPU edge/native | socket errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for route, conns in self.cells():
            p50 = self.median("edge", route, conns, "p50_ms")
            errors = sum(s["socket_errors"] for s in self.cell("edge", route, conns))
            lines.append(
                f"| `{route}` | {conns} | {self.figures('edge', route, conns, 'rps', 0)} "
                f"| {self.median('instrumented', route, conns, 'rps') / self.median('edge', route, conns, 'rps'):,.1f}× "
                f"| {self.figures('edge', route, conns, 'p50_ms', 2)} | {p50 / self.median('instrumented', route, conns, 'p50_ms'):,.1f}× "
                f"| {self.figures('edge', route, conns, 'p99_ms', 1)} | {self.figures('edge', route, conns, 'cpu_us_per_request', 0)} "
                f"| {self.median('edge', route, conns, 'cpu_us_per_request') / self.median('instrumented', route, conns, 'cpu_us_per_request'):,.1f}× | {errors} |"
            )
        # Every route must make each target, so each is judged on its worst.
        single = [(self.median("edge", route, 1, "p50_ms"), route) for route, conns in self.cells() if conns == 1]
        if single:
            p50, route = max(single)
            self.targets.append((
                "edge p50 ≤ 1 ms at one connection",
                f"{p50:.2f} ms (worst route: `{route}`; native {self.median('instrumented', route, 1, 'p50_ms'):.3f} ms)",
                p50 <= TARGET_EDGE_P50_MS,
            ))
        else:
            self.targets.append(("edge p50 ≤ 1 ms at one connection", "not measured: no 1-connection cell", None))
        cpu_native = self.cell_ratios("edge", "instrumented", "cpu_us_per_request")
        self.targets.append((
            "edge CPU per request ≤ 20× native",
            f"{statistics.median(cpu_native):,.1f}× median over cells ({min(cpu_native):,.1f}–{max(cpu_native):,.1f}×)",
            statistics.median(cpu_native) <= TARGET_EDGE_CPU_RATIO,
        ))
        busy = [
            (self.median("edge", route, 64, "p50_ms") / self.median("instrumented", route, 64, "p50_ms"), route)
            for route, conns in self.cells()
            if conns == 64
        ]
        if busy:
            worst, route = max(busy)
            self.targets.append((
                "edge p50 at 64 connections ≤ 5× native's",
                f"{worst:,.1f}× (worst route: `{route}`, {self.median('edge', route, 64, 'p50_ms'):.2f} ms vs {self.median('instrumented', route, 64, 'p50_ms'):.3f} ms)",
                worst <= TARGET_EDGE_P50_RATIO_64,
            ))
        else:
            self.targets.append(("edge p50 at 64 connections ≤ 5× native's", "not measured: no 64-connection cell", None))
        rps_native = self.cell_ratios("instrumented", "edge", "rps")
        self.targets.append((
            "edge vs native: requests/s native/edge",
            f"{statistics.median(rps_native):,.1f}× (median over cells)",
            INFO,
        ))

        if self.has("edge-bare"):
            lines += [
                "",
                "With and without the metrics (the bare build: `scripts/build-spin.sh --bare`, no store call per request; "
                "same host, same store):",
                "",
                "| route | conns | CPU µs/req edge | CPU µs/req bare | CPU edge/bare | p50 ms edge / bare | p50 edge/bare | p99 ms edge / bare | p99 edge/bare | req/s bare |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for route, conns in self.cells():
                med = lambda server, attr: self.median(server, route, conns, attr)  # noqa: E731
                lines.append(
                    f"| `{route}` | {conns} | {self.figures('edge', route, conns, 'cpu_us_per_request', 0)} "
                    f"| {self.figures('edge-bare', route, conns, 'cpu_us_per_request', 0)} "
                    f"| {med('edge', 'cpu_us_per_request') / med('edge-bare', 'cpu_us_per_request'):.3f} "
                    f"| {med('edge', 'p50_ms'):.2f} / {med('edge-bare', 'p50_ms'):.2f} | {med('edge', 'p50_ms') / med('edge-bare', 'p50_ms'):.3f} "
                    f"| {med('edge', 'p99_ms'):.1f} / {med('edge-bare', 'p99_ms'):.1f} | {med('edge', 'p99_ms') / med('edge-bare', 'p99_ms'):.3f} "
                    f"| {self.figures('edge-bare', route, conns, 'rps', 0)} |"
                )
            cpu = self.paired("edge", "edge-bare", "cpu_us_per_request")
            extra = self.paired("edge", "edge-bare", "cpu_us_per_request", operator.sub)
            at_conns = [
                ratio(a["cpu_us_per_request"], b["cpu_us_per_request"])
                for route, conns in self.cells()
                if conns == TARGET_EDGE_METRICS_CONNS
                for a, b in zip(self.cell("edge", route, conns), self.cell("edge-bare", route, conns))
            ]
            at_conns = [value for value in at_conns if value is not None]
            if at_conns:
                self.targets.append((
                    f"edge metrics: CPU per request default/bare at {TARGET_EDGE_METRICS_CONNS} connections "
                    f"≤ {TARGET_EDGE_METRICS_CPU}",
                    quartiles(at_conns, 3),
                    statistics.median(at_conns) <= TARGET_EDGE_METRICS_CPU,
                ))
            else:
                self.targets.append((
                    f"edge metrics: CPU per request default/bare at {TARGET_EDGE_METRICS_CONNS} connections",
                    f"not measured: no cell with {TARGET_EDGE_METRICS_CONNS} connections",
                    None,
                ))
            p50 = self.paired("edge", "edge-bare", "p50_ms")
            p99 = self.paired("edge", "edge-bare", "p99_ms")
            self.targets.append((
                "edge metrics: CPU per request with/without, every cell",
                f"{quartiles(cpu, 3)}; {statistics.median(extra):,.0f} µs per request on this host",
                INFO,
            ))
            self.targets.append((
                "edge metrics: p50 and p99 with/without",
                f"p50 {quartiles(p50, 3)}; p99 {quartiles(p99, 3)}",
                INFO,
            ))
        else:
            self.targets.append(("edge metrics, cost per request", "not measured: no bare edge build in this run", None))

        if self.has("edge-nokv"):
            lines += [
                "",
                "Store unavailable (the default build; every `open` fails, the component logs one line per request "
                "and still answers):",
                "",
                "| route | conns | req/s | p50 ms | p99 ms | CPU µs/req |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            for route, conns in self.cells():
                lines.append(
                    f"| `{route}` | {conns} | {self.figures('edge-nokv', route, conns, 'rps', 0)} "
                    f"| {self.figures('edge-nokv', route, conns, 'p50_ms', 2)} | {self.figures('edge-nokv', route, conns, 'p99_ms', 1)} "
                    f"| {self.figures('edge-nokv', route, conns, 'cpu_us_per_request', 0)} |"
                )

        calls = self.calls_per_request(self.run.get("edge_stats"))
        bare_calls = self.calls_per_request(self.run.get("edge_bare_stats"))
        if calls:
            lines += [
                "",
                "Key-value calls per request, from the host's own counters over the whole run: "
                f"edge {calls}" + (f"; bare {bare_calls}" if bare_calls else "")
                + " (the few `list-keys`/`get-many`, and the bare build's `open`, are the `/metrics` scrapes).",
            ]
        reset = (self.run.get("edge_stats") or {}).get("memory_reset")
        if reset:
            lines += ["", f"Instance memory reset between requests, as the edge host logged it: {reset}."]
        return lines

    def scrape_table(self) -> list[str]:
        lines = [
            "| server | samples in exposition | size | scrapes/s | p50 ms | p99 ms | CPU µs/scrape |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for key, scrape in self.run["scrapes"].items():
            s = scrape["sample"]
            lines.append(
                f"| {self.labels[key]} | {scrape['values']} | {scrape['bytes'] / 1024:.1f} KiB | {s['rps']:,.0f} "
                f"| {s['p50_ms']:.3f} | {s['p99_ms']:.3f} | {s['cpu_us_per_request']:.1f} |"
            )
        return lines

    def rss_line(self) -> str:
        parts = [f"{self.labels[key]} {kib / 1024:.1f} MiB" for key, kib in self.run["rss_kib"].items()]
        return "Peak RSS over the whole run (VmHWM, process tree): " + "; ".join(parts) + "."

    def criterion_tables(self) -> list[str]:
        crit = self.run["criterion"]
        est = crit["estimates"]
        sizes = {(group, case): size for group, case, size in crit["sizes"]}

        def ns(bench_id: str) -> str:
            if bench_id not in est:
                return "ran (smoke mode: not timed)"
            point, low, high = est[bench_id]
            return f"{fmt_ns(point)} ({fmt_ns(low)}–{fmt_ns(high)})"

        lines = [
            "| measurement | median (95% CI) |",
            "|---|---:|",
            f"| `Counter::inc` (floor) | {ns('record/counter_inc')} |",
            f"| histogram observe, existing series | {ns('record/histogram_observe')} |",
            f"| the same with a trace id (exemplar and its timestamp) | {ns('record/histogram_observe_traced')} |",
            f"| one request: active gauge up, observe, gauge down | {ns('record/one_request')} |",
            "",
            "| series | native render | native size | edge (stored) render | edge size |",
            "|---|---:|---:|---:|---:|",
        ]
        for case in ["default", "10", "100", "1000", "10000"]:
            name = "default (9 routes)" if case == "default" else f"{int(case):,}"
            lines.append(
                f"| {name} | {ns(f'render_native/{case}')} | {sizes[('render_native', case)] / 1024:,.0f} KiB "
                f"| {ns(f'render_stored/{case}')} | {sizes[('render_stored', case)] / 1024:,.0f} KiB |"
            )
        if "record/one_request" in est:
            one = est["record/one_request"][0]
            render = est["render_native/default"][0]
            self.targets.append(("recording one request ≤ 100 ns", fmt_ns(one), one <= TARGET_RECORD_NS))
            self.targets.append(("`/metrics` render, default series set ≤ 1 ms", fmt_ns(render), render <= TARGET_RENDER_DEFAULT_NS))
        else:
            self.targets.append(("recording one request ≤ 100 ns", "smoke mode: not timed", None))
            self.targets.append(("`/metrics` render, default series set ≤ 1 ms", "smoke mode: not timed", None))
        return lines

    def edge_run_lines(self) -> list[str]:
        edge_run = self.run.get("edge_run")
        if not edge_run:
            return []
        before, after = edge_run["load_before"], edge_run["load_after"]
        return [
            f"- Edge rows: `bench/run.sh --only edge` on {edge_run['started']}, same plan, merged into the run above "
            f"(load average {loads(before, after)}). "
            "Edge with/without increments are paired by round; edge/native ratios compare medians across the two runs."
        ]

    def target_table(self) -> list[str]:
        lines = ["| target | measured | result |", "|---|---|---|"]
        for name, measured, ok in self.targets:
            lines.append(f"| {name} | {measured} | {verdict(ok)} |")
        return lines

    # -- the page -------------------------------------------------------------------

    def render(self) -> str:
        run = self.run
        smoke = run["mode"] == "smoke"
        before, after = run["load_before"], run["load_after"]
        plan = run["plan"]
        head = [
            "# Benchmark results",
            "",
            f"`bench/run.sh{' --smoke' if smoke else ''}` on {run['started']}"
            + (" — **smoke mode: seconds per bench, figures are not meaningful**" if smoke else ""),
            "",
            *[f"- {line}" for line in run["machine"]],
            f"- Pinning: {run['pinning']}. Load average (1/5/15 min) {loads(before, after)}: "
            "the machine is shared with other work, "
            "so absolute figures are noise; read the ratios.",
            f"- Each cell: {plan['rounds']} round(s) of {plan['seconds']} s of `wrk -t1 --latency` after a {plan['warmup_seconds']} s warm-up, "
            "rounds interleaved across servers, each server idle again before the next starts; median (min–max). "
            "CPU is the server's utime+stime from /proc (process tree, children included) over the wrk run, "
            "divided by the requests wrk completed.",
            *self.edge_run_lines(),
            "- Verdicts on ratios take the median of same-round ratios over every cell (the interquartile "
            "range shows the noise); the tables give each cell's ratio of medians.",
            "",
            "## Targets",
            "",
        ]
        body = [
            "## Native: instrumented vs instrumentation compiled out",
            "",
            *self.native_table(),
            "",
            self.rss_line(),
            "",
            "Scraping `/metrics` over HTTP after the load above (one connection, so latency is per scrape; "
            "the native exposition includes `process_*` read from /proc):",
            "",
            *self.scrape_table(),
            "",
            "## Native at the floor of its stack",
            "",
            "The floor is `bench/floor`: hyper 1.x HTTP/1 on tokio as hyper's examples run it, no routing, metrics, "
            "limits, timeouts or drain. *Hello* answers every request with the 6 bytes `hello\\n`; *same-response* "
            "answers the benchmarked routes with the bytes app-core's handler produced at start (checked byte for "
            "byte against app-native's, Date aside, at the start of every run), so output is not priced as server "
            "cost. Ratios are of the same round, median (min–max) over the rounds.",
            "",
            *floor_report.cpu_section(self),
            "",
            "User-space instructions per request:",
            "",
            *floor_report.instruction_section(self),
            "",
            "## The seed's stack: Flask + prometheus_client + gunicorn vs native (instrumented)",
            "",
            "gunicorn: 1 worker each (the server's one core): the default sync worker, which closes every "
            "connection after its answer as gunicorn users run it out of the box, and gthread with 8 threads and "
            "keep-alive, as the native server keeps connections alive; "
            "the app records `flask_http_requests_total` and `flask_http_request_latency_seconds` per request.",
            "",
            *self.flask_table(),
            "",
            "## Edge variant on the edge host",
            "",
            "The host is `edge-host` (wasmtime 44.0.3, the engine of Spin 4.0.2: a fresh component instance per "
            "request from a pre-instantiated component on the pooling allocator, Spin's SQLite key-value store), "
            "serving app-spin/spin.toml with its variable defaults and the shipped app-spin/runtime-config.toml, "
            "which keeps the store in memory, as in the image. \"Store unavailable\": the default runtime config "
            "instead, whose store files in the state directory are not databases, so every open fails. "
            "Socket errors are wrk's 5 s timeout.",
            "",
            *self.edge_table(),
            "",
            "## Metrics cost (criterion, app-core)",
            "",
            *self.criterion_tables(),
            "",
        ]
        notes = Path(__file__).with_name("notes.md")
        tail = ["", notes.read_text()] if notes.exists() and not smoke else []
        return "\n".join(head + self.target_table() + [""] + body + tail)


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: report.py RUN.json OUT.md", file=sys.stderr)
        return 2
    run = json.loads(Path(sys.argv[1]).read_text())
    text = Report(run).render()
    Path(sys.argv[2]).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
