#!/usr/bin/env python3
"""Runs the benchmarks side by side and writes the markdown table.

Called by bench/run.sh once the binaries, the Flask venv and the criterion
bench are built; standard library only. Every server is pinned to core 0
and wrk to core 1 (when the machine has two cores), every cell is run in
several rounds interleaved across servers so a burst of load from other
users of the machine hits all servers alike, and each figure is the median
of the rounds with min and max beside it.

A broken bench (a server that does not start, wrk errors or non-2xx
answers, a criterion bench that fails, metrics that were not recorded)
exits non-zero. A missed target never does: targets are reported.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
ROUTES = ["/", "/api/items/1"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

TARGET_CPU_RATIO = 1.05
TARGET_P99_RATIO = 1.05
TARGET_FLASK_CPU = 35.0
TARGET_RECORD_NS = 100.0
TARGET_RENDER_DEFAULT_NS = 1_000_000.0
TARGET_EDGE_P50_MS = 1.0


class BenchError(Exception):
    """A bench that broke, as opposed to a target that was missed."""


@dataclass
class Plan:
    connections: list[int]
    seconds: int
    rounds: int
    warmup_seconds: int
    criterion_args: list[str]


PLANS = {
    "full": Plan([1, 16, 64, 256], 3, 3, 2, ["--warm-up-time", "1", "--measurement-time", "3"]),
    # Seconds per server, just enough to prove every bench still runs.
    "smoke": Plan([16], 1, 1, 1, ["--test"]),
}


def pinning() -> tuple[list[str], list[str]]:
    """taskset prefixes for the server and the load generator."""
    if len(os.sched_getaffinity(0)) >= 2:
        return ["taskset", "-c", "0"], ["taskset", "-c", "1"]
    return [], []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


# --- processes -------------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """The root and every live descendant (gunicorn workers, host threads
    are already inside their process's figures)."""
    pids, queue = [], [root]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                children = Path(f"/proc/{pid}/task/{task}/children").read_text()
                queue.extend(int(child) for child in children.split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return pids


def cpu_seconds(root: int) -> tuple[float, float]:
    """(user, system) CPU of the tree, plus what its reaped children used."""
    user = system = 0
    for pid in process_tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue
        # Field 2 (the command) may hold spaces; count fields after ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        utime, stime, cutime, cstime = (int(fields[i - 3]) for i in (14, 15, 16, 17))
        user += utime + cutime
        system += stime + cstime
    return user / CLOCK_TICKS, system / CLOCK_TICKS


def peak_rss_kib(root: int) -> int:
    total = 0
    for pid in process_tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return total


@dataclass
class Server:
    key: str
    label: str
    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT
    ready_path: str = "/healthz"
    process: subprocess.Popen | None = None
    log: Path | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self, prefix: list[str]) -> None:
        self.log = WORK / f"{self.key}.log"
        env = {**os.environ, **self.env}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                prefix + self.argv,
                cwd=self.cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.label} exited at start; see {self.log}")
            try:
                if http_get(self.url(self.ready_path), timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"{self.label} not ready within 60 s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --- load ------------------------------------------------------------------

UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_latency(text: str, percentile: str) -> float:
    match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.MULTILINE)
    if not match:
        raise BenchError(f"wrk printed no {percentile}% latency:\n{text}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


@dataclass
class Sample:
    server: str
    route: str
    connections: int
    requests: int
    rps: float
    cpu_us_per_request: float
    kernel_share: float
    p50_ms: float
    p99_ms: float
    socket_errors: int


def settle(server: Server, timeout: float = 60.0) -> None:
    """Waits until the server has worked off what the last run left queued
    (a slow server still answers requests wrk already gave up on), so that
    backlog never burns CPU during the next server's measurement."""
    assert server.process is not None
    deadline = time.monotonic() + timeout
    before = sum(cpu_seconds(server.process.pid))
    while time.monotonic() < deadline:
        time.sleep(0.3)
        after = sum(cpu_seconds(server.process.pid))
        if after - before < 2 / CLOCK_TICKS:
            return
        before = after
    raise BenchError(f"{server.label} still busy {timeout:.0f} s after the load stopped")


def run_wrk(wrk_prefix: list[str], server: Server, route: str, connections: int, seconds: int, warmup: bool = False) -> tuple[str, int]:
    argv = wrk_prefix + [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
        server.url(route),
    ]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"wrk failed against {server.label}: {done.stderr}")
    text = done.stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non_2xx:
        raise BenchError(f"{server.label} {route}: {non_2xx.group(1)} non-2xx answers")
    requests = re.search(r"(\d+) requests in", text)
    if warmup:
        return text, 0
    if not requests or int(requests.group(1)) == 0:
        raise BenchError(f"{server.label} {route}: no requests completed:\n{text}")
    return text, int(requests.group(1))


def measure(wrk_prefix, server: Server, route: str, connections: int, seconds: int) -> Sample:
    assert server.process is not None
    cpu_before = cpu_seconds(server.process.pid)
    text, requests = run_wrk(wrk_prefix, server, route, connections, seconds)
    user_after, system_after = cpu_seconds(server.process.pid)
    settle(server)
    user, system = user_after - cpu_before[0], system_after - cpu_before[1]
    cpu = user + system
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return Sample(
        server=server.key,
        route=route,
        connections=connections,
        requests=requests,
        rps=rps,
        cpu_us_per_request=cpu * 1e6 / requests,
        kernel_share=system / cpu if cpu else 0.0,
        p50_ms=parse_latency(text, "50"),
        p99_ms=parse_latency(text, "99"),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


# --- the servers -------------------------------------------------------------


def native_servers() -> list[Server]:
    return [
        Server(
            key=key,
            label=label,
            argv=[str(WORK / f"app-native-{key}"), "--listen", f"127.0.0.1:{port}"],
            port=port,
            env={"RUST_LOG": "warn"},
        )
        for key, label, port in [
            ("instrumented", "native, instrumented", free_port()),
            ("bare", "native, bare", free_port()),
        ]
    ]


def flask_server() -> Server:
    port = free_port()
    return Server(
        key="flask",
        label="Flask + gunicorn",
        argv=[
            str(BENCH / ".venv/bin/gunicorn"),
            "--bind", f"127.0.0.1:{port}",
            # One worker for the one core the server gets; gthread keeps
            # connections alive as the native server does.
            "--workers", "1", "--worker-class", "gthread", "--threads", "8",
            "--no-control-socket", "--log-level", "warning",
            "app:app",
        ],
        port=port,
        cwd=BENCH / "flask_peer",
    )


def edge_servers() -> tuple[list[Server], str | None]:
    """The edge variant under the tests' WASI-HTTP host, with and without
    the key-value increments; or why it could not be measured."""
    manifest = WORK / "edge.json"
    if not manifest.exists():
        return [], "the edge component and its host harness were not available to bench/run.sh"
    spec = json.loads(manifest.read_text())
    if "skip" in spec:
        return [], spec["skip"]
    servers = []
    for entry in spec["servers"]:
        port = free_port()
        servers.append(
            Server(
                key=entry["key"],
                label=entry["label"],
                argv=[arg.replace("{port}", str(port)) for arg in entry["argv"]],
                port=port,
                env=entry.get("env", {}),
                ready_path=entry.get("ready_path", "/healthz"),
            )
        )
    return servers, None


def measure_scrape(wrk_prefix, server: Server, seconds: int) -> tuple[Sample, str]:
    status, body = http_get(server.url("/metrics"))
    if status != 200:
        raise BenchError(f"{server.label} /metrics answered {status}")
    return measure(wrk_prefix, server, "/metrics", 1, seconds), body


def host_stats(server: Server) -> dict | None:
    """The edge host's counters (component instances, key-value calls) from
    its admin port, which it announces on its first stdout line."""
    match = re.search(r"admin=([\d.]+:\d+)", server.log.read_text()) if server.log else None
    if not match:
        return None
    status, body = http_get(f"http://{match.group(1)}/stats")
    return json.loads(body) if status == 200 else None


# --- checks that the instrumentation really ran ------------------------------


def request_count(server: Server, family: str, route_label: str, route: str) -> float:
    status, body = http_get(server.url("/metrics"))
    if status != 200:
        raise BenchError(f"{server.label} /metrics answered {status}")
    total = 0.0
    for line in body.splitlines():
        if line.startswith(family) and f'{route_label}="{route}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def verify_instrumentation(servers: dict[str, Server]) -> None:
    """Guards against benchmarking the wrong binary: the bare build must
    record nothing, every instrumented server must have counted the load."""
    checks = {
        "instrumented": ("http_server_request_duration_seconds_count", "http_route", "/api/items/{id}"),
        "bare": ("http_server_request_duration_seconds_count", "http_route", "/api/items/{id}"),
        "flask": ("flask_http_requests_total", "endpoint", "/api/items/<item_id>"),
        "edge": ("http_server_request_duration_seconds_count", "http_route", "/api/items/{id}"),
    }
    for key, server in servers.items():
        family, label, route = checks["edge" if key.startswith("edge") else key]
        if key == "edge-nokv":
            continue
        counted = request_count(server, family, label, route)
        if key == "bare" and counted != 0:
            raise BenchError(f"the bare build recorded {counted} requests: wrong binary")
        if key != "bare" and counted == 0:
            raise BenchError(f"{server.label} recorded no requests under load")


# --- criterion ---------------------------------------------------------------


def criterion_dir() -> Path:
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return Path(json.loads(metadata.stdout)["target_directory"]) / "criterion"


def run_criterion(plan: Plan, prefix: list[str]) -> dict:
    argv = prefix + ["cargo", "bench", "--locked", "-q", "-p", "app-core", "--bench", "metrics", "--"]
    done = subprocess.run(argv + plan.criterion_args, cwd=ROOT, capture_output=True, text=True)
    (WORK / "criterion.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise BenchError(f"criterion bench failed; see {WORK / 'criterion.log'}")
    sizes = {}
    for group, case, size in re.findall(r"^render-size (\S+) (\S+) (\d+)$", done.stdout, re.MULTILINE):
        sizes[(group, case)] = int(size)
    if not sizes:
        raise BenchError("criterion bench printed no render sizes")
    estimates = {}
    if "--test" not in plan.criterion_args:
        base = criterion_dir()
        for path in base.glob("*/*/new/estimates.json"):
            median = json.loads(path.read_text())["median"]
            bench_id = f"{path.parts[-4]}/{path.parts[-3]}"
            estimates[bench_id] = (
                median["point_estimate"],
                median["confidence_interval"]["lower_bound"],
                median["confidence_interval"]["upper_bound"],
            )
    return {"sizes": sizes, "estimates": estimates}


# --- report --------------------------------------------------------------------


def spread(values: list[float], digits: int = 1) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:,.{digits}f}"
    return f"{med:,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def machine() -> list[str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return [
        f"{cpu}, {os.cpu_count()} logical CPUs, {mem_kib / 1024 / 1024:.1f} GiB RAM",
        f"Linux {platform.release()}; {subprocess.run(['wrk', '--version'], capture_output=True, text=True).stdout.splitlines()[0].split(' [')[0]}",
    ]


class Report:
    def __init__(self, samples: list[Sample], servers: dict[str, Server]):
        self.samples = samples
        self.servers = servers
        self.targets: list[tuple[str, str, bool | None]] = []

    def cell(self, server: str, route: str, conns: int) -> list[Sample]:
        return [s for s in self.samples if (s.server, s.route, s.connections) == (server, route, conns)]

    def median(self, server, route, conns, attr) -> float:
        return statistics.median(getattr(s, attr) for s in self.cell(server, route, conns))

    def cells(self) -> list[tuple[str, int]]:
        seen = []
        for s in self.samples:
            if (s.route, s.connections) not in seen:
                seen.append((s.route, s.connections))
        return seen

    def figures(self, server, route, conns, attr, digits=1) -> str:
        return spread([getattr(s, attr) for s in self.cell(server, route, conns)], digits)

    def native_table(self) -> list[str]:
        lines = [
            "| route | conns | req/s instrumented | req/s bare | CPU µs/req instrumented | CPU µs/req bare | of which kernel | CPU ratio (≤ 1.05) | p50 ms instr / bare | p99 ms instrumented | p99 ms bare | p99 ratio (≤ 1.05) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        cpu_ok = p99_ok = True
        worst_cpu = worst_p99 = 0.0
        for route, conns in self.cells():
            cpu_ratio = self.median("instrumented", route, conns, "cpu_us_per_request") / self.median("bare", route, conns, "cpu_us_per_request")
            p99_ratio = self.median("instrumented", route, conns, "p99_ms") / self.median("bare", route, conns, "p99_ms")
            cpu_ok &= cpu_ratio <= TARGET_CPU_RATIO
            p99_ok &= p99_ratio <= TARGET_P99_RATIO
            worst_cpu, worst_p99 = max(worst_cpu, cpu_ratio), max(worst_p99, p99_ratio)
            lines.append(
                f"| `{route}` | {conns} | {self.figures('instrumented', route, conns, 'rps', 0)} | {self.figures('bare', route, conns, 'rps', 0)} "
                f"| {self.figures('instrumented', route, conns, 'cpu_us_per_request', 2)} | {self.figures('bare', route, conns, 'cpu_us_per_request', 2)} "
                f"| {self.median('instrumented', route, conns, 'kernel_share'):.0%} "
                f"| {cpu_ratio:.3f} {verdict(cpu_ratio <= TARGET_CPU_RATIO)} "
                f"| {self.median('instrumented', route, conns, 'p50_ms'):.3f} / {self.median('bare', route, conns, 'p50_ms'):.3f} "
                f"| {self.figures('instrumented', route, conns, 'p99_ms', 3)} | {self.figures('bare', route, conns, 'p99_ms', 3)} "
                f"| {p99_ratio:.3f} {verdict(p99_ratio <= TARGET_P99_RATIO)} |"
            )
        self.targets.append(("CPU per request instrumented/bare ≤ 1.05 (every cell)", f"worst {worst_cpu:.3f}", cpu_ok))
        self.targets.append(("p99 latency instrumented/bare ≤ 1.05 (every cell)", f"worst {worst_p99:.3f}", p99_ok))
        return lines

    def flask_table(self) -> list[str]:
        lines = [
            "| route | conns | req/s Flask | req/s native | req/s native/Flask | CPU µs/req Flask | CPU µs/req native | CPU Flask/native (≥ 35) | CPU Flask/bare | p99 ms Flask |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        ok, least = True, float("inf")
        for route, conns in self.cells():
            flask_cpu = self.median("flask", route, conns, "cpu_us_per_request")
            ratio = flask_cpu / self.median("instrumented", route, conns, "cpu_us_per_request")
            bare_ratio = flask_cpu / self.median("bare", route, conns, "cpu_us_per_request")
            rps_ratio = self.median("instrumented", route, conns, "rps") / self.median("flask", route, conns, "rps")
            ok &= ratio >= TARGET_FLASK_CPU
            least = min(least, ratio)
            lines.append(
                f"| `{route}` | {conns} | {self.figures('flask', route, conns, 'rps', 0)} | {self.median('instrumented', route, conns, 'rps'):,.0f} "
                f"| {rps_ratio:.1f}× | {self.figures('flask', route, conns, 'cpu_us_per_request', 1)} | {self.median('instrumented', route, conns, 'cpu_us_per_request'):.2f} "
                f"| {ratio:.1f}× {verdict(ratio >= TARGET_FLASK_CPU)} | {bare_ratio:.1f}× | {self.figures('flask', route, conns, 'p99_ms', 2)} |"
            )
        self.targets.append(("Flask CPU per request ≥ 35× native (every cell)", f"least {least:.1f}×", ok))
        return lines

    def edge_table(self, skipped: str | None) -> list[str]:
        if skipped:
            self.targets.append(("edge p50 ≤ 1 ms on loopback", f"not measured: {skipped}", None))
            return [f"Not measured: {skipped}."]
        lines = [
            "| route | conns | req/s edge | req/s native/edge | p50 ms edge | p50 edge/native | p99 ms edge | CPU µs/req edge | socket errors | req/s store unavailable | p50 ms store unavailable | CPU µs/req store unavailable |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        best_p50 = float("inf")
        for route, conns in self.cells():
            p50 = self.median("edge", route, conns, "p50_ms")
            best_p50 = min(best_p50, p50)
            errors = sum(s.socket_errors for s in self.cell("edge", route, conns))
            lines.append(
                f"| `{route}` | {conns} | {self.figures('edge', route, conns, 'rps', 0)} "
                f"| {self.median('instrumented', route, conns, 'rps') / self.median('edge', route, conns, 'rps'):,.0f}× "
                f"| {self.figures('edge', route, conns, 'p50_ms', 2)} | {p50 / self.median('instrumented', route, conns, 'p50_ms'):,.0f}× "
                f"| {self.figures('edge', route, conns, 'p99_ms', 1)} | {self.figures('edge', route, conns, 'cpu_us_per_request', 0)} | {errors} "
                f"| {self.figures('edge-nokv', route, conns, 'rps', 0)} | {self.figures('edge-nokv', route, conns, 'p50_ms', 2)} "
                f"| {self.figures('edge-nokv', route, conns, 'cpu_us_per_request', 0)} |"
            )
        self.targets.append(("edge p50 ≤ 1 ms on loopback (best cell)", f"{best_p50:.2f} ms", best_p50 <= TARGET_EDGE_P50_MS))
        stats = self.edge_stats
        if stats and stats.get("instances"):
            per = {op: count / stats["instances"] for op, count in sorted(stats["ops"].items())}
            lines += [
                "",
                "Key-value calls per request, from the host's own counters over the whole run: "
                + ", ".join(f"{op} {n:.2f}" for op, n in per.items())
                + " (the few `list-keys`/`get-many` are the `/metrics` scrapes).",
            ]
        lines += [
            "",
            "What the increments themselves cost is **not measured**: the component has no build without "
            "them, and the store-unavailable run is no substitute: it swaps the increments for a log line "
            "per request through the host's stderr, so the difference prices neither. A cargo "
            "feature in app-spin that compiles the recording out, like app-native's `instrumentation`, "
            "would let this bench price it.",
        ]
        return lines

    def scrape_table(self) -> list[str]:
        lines = [
            "| server | samples in exposition | size | scrapes/s | p50 ms | p99 ms | CPU µs/scrape |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for key, (sample, body) in self.scrapes.items():
            values = [line for line in body.splitlines() if line and not line.startswith("#")]
            lines.append(
                f"| {self.servers[key].label} | {len(values)} | {len(body.encode()) / 1024:.1f} KiB | {sample.rps:,.0f} "
                f"| {sample.p50_ms:.3f} | {sample.p99_ms:.3f} | {sample.cpu_us_per_request:.1f} |"
            )
        return lines

    def rss_line(self) -> str:
        parts = [f"{self.servers[key].label} {kib / 1024:.1f} MiB" for key, kib in self.rss.items()]
        return "Peak RSS over the whole run (VmHWM, process tree): " + "; ".join(parts) + "."

    def criterion_tables(self, crit: dict) -> list[str]:
        est = crit["estimates"]

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
            f"| one request: active gauge up, observe, gauge down | {ns('record/one_request')} |",
            "",
            "| series | native render | native size | edge (stored) render | edge size |",
            "|---|---:|---:|---:|---:|",
        ]
        for case in ["default", "10", "100", "1000", "10000"]:
            name = "default (9 routes)" if case == "default" else f"{int(case):,}"
            lines.append(
                f"| {name} | {ns(f'render_native/{case}')} | {crit['sizes'][('render_native', case)] / 1024:,.0f} KiB "
                f"| {ns(f'render_stored/{case}')} | {crit['sizes'][('render_stored', case)] / 1024:,.0f} KiB |"
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

    def target_table(self) -> list[str]:
        lines = ["| target | measured | result |", "|---|---|---|"]
        for name, measured, ok in self.targets:
            result = "not measured" if ok is None else verdict(ok)
            lines.append(f"| {name} | {measured} | {result} |")
        return lines


def fmt_ns(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    if value >= 1e3:
        return f"{value / 1e3:.1f} µs"
    return f"{value:.1f} ns"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=PLANS, default="full")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    plan = PLANS[args.mode]
    WORK.mkdir(exist_ok=True)
    server_prefix, wrk_prefix = pinning()
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()

    servers = {s.key: s for s in native_servers() + [flask_server()]}
    edge, edge_skipped = edge_servers()
    servers.update({s.key: s for s in edge})
    samples: list[Sample] = []
    scrapes: dict[str, tuple[Sample, str]] = {}
    try:
        for server in servers.values():
            print(f"starting {server.label}", file=sys.stderr)
            server.start(server_prefix)
        for server in servers.values():
            for route in ROUTES:
                run_wrk(wrk_prefix, server, route, max(plan.connections), plan.warmup_seconds, warmup=True)
                settle(server)
        for round_no in range(plan.rounds):
            for route in ROUTES:
                for conns in plan.connections:
                    for server in servers.values():
                        sample = measure(wrk_prefix, server, route, conns, plan.seconds)
                        samples.append(sample)
                        print(
                            f"round {round_no + 1}/{plan.rounds} {server.key:>12} {route:<13} c={conns:<3} "
                            f"{sample.rps:>9,.0f} req/s {sample.cpu_us_per_request:>8.2f} µs CPU/req "
                            f"p50 {sample.p50_ms:.3f} ms p99 {sample.p99_ms:.3f} ms",
                            file=sys.stderr,
                        )
        verify_instrumentation(servers)
        for key in [k for k in servers if k in ("instrumented", "flask", "edge")]:
            scrapes[key] = measure_scrape(wrk_prefix, servers[key], plan.seconds)
        rss = {key: peak_rss_kib(s.process.pid) for key, s in servers.items()}
        edge_stats = host_stats(servers["edge"]) if "edge" in servers else None
    finally:
        for server in servers.values():
            server.stop()

    print("criterion benches", file=sys.stderr)
    crit = run_criterion(plan, server_prefix)
    load_after = os.getloadavg()

    report = Report(samples, servers)
    report.rss = rss
    report.scrapes = scrapes
    report.edge_stats = edge_stats
    (WORK / f"samples-{args.mode}.json").write_text(json.dumps([s.__dict__ for s in samples], indent=1))
    pinned = "server on core 0, wrk (1 thread) on core 1" if server_prefix else "not pinned (fewer than 2 cores)"
    out = [
        "# Benchmark results",
        "",
        f"`bench/run.sh{' --smoke' if args.mode == 'smoke' else ''}` on {started:%Y-%m-%d %H:%M} UTC"
        + (" — **smoke mode: seconds per bench, figures are not meaningful**" if args.mode == "smoke" else ""),
        "",
        *[f"- {line}" for line in machine()],
        f"- Pinning: {pinned}. Load average (1/5/15 min) before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
        f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}: the machine is shared, "
        "so absolute figures are noise; read the ratios.",
        f"- Each cell: {plan.rounds} round(s) of {plan.seconds} s of `wrk -t1 --latency` after a {plan.warmup_seconds} s warm-up, "
        "rounds interleaved across servers; median (min–max). CPU is the server's utime+stime from /proc "
        "(process tree, children included) over the wrk run, divided by the requests wrk completed.",
        "",
        "## Targets",
        "",
    ]
    body = [
        "## Native: instrumented vs instrumentation compiled out",
        "",
        *report.native_table(),
        "",
        report.rss_line(),
        "",
        "Scraping `/metrics` over HTTP after the load above (one connection, "
        "so latency is per scrape; the native exposition includes `process_*` read from /proc):",
        "",
        *report.scrape_table(),
        "",
        "## The seed's stack: Flask + prometheus_client + gunicorn vs native (instrumented)",
        "",
        "gunicorn: 1 worker (the server's one core), gthread with 8 threads and keep-alive; "
        "the app records `flask_http_requests_total` and `flask_http_request_latency_seconds` per request.",
        "",
        *report.flask_table(),
        "",
        "## Edge variant under the WASI-HTTP host",
        "",
        "The host is the tests' own (`app-spin/host/serve.mjs`: jco + preview2-shim on Node 20, a fresh "
        "component instance per request as Spin does, Spin's key-value semantics), with spin.toml's variable "
        "defaults. \"Store unavailable\": the host grants no store under the label the component opens, so "
        "nothing is counted and the component logs one line per request; requests must still be served. "
        "Socket errors are mostly wrk's 5 s timeout "
        "at connection counts the host cannot keep up with.",
        "",
        *report.edge_table(edge_skipped),
        "",
        "## Metrics cost (criterion, app-core)",
        "",
        *report.criterion_tables(crit),
        "",
    ]
    text = "\n".join(out + report.target_table() + [""] + body)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        print(f"bench failed: {err}", file=sys.stderr)
        sys.exit(1)
