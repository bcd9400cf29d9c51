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

sys.path.insert(0, str(BENCH))
import instructions  # noqa: E402  (bench/instructions.py counts them under callgrind)
import report  # noqa: E402  (bench/report.py renders the table)
import wire  # noqa: E402  (bench/wire.py: raw HTTP/1.1 exchanges)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

class BenchError(Exception):
    """A bench that broke, as opposed to a target that was missed."""


@dataclass
class Plan:
    connections: list[int]
    seconds: int
    rounds: int
    warmup_seconds: int
    criterion: list[str]
    timed: bool
    # Requests per route under callgrind, after as many again to warm up.
    counted_requests: int


PLANS = {
    "full": Plan(
        [1, 16, 64, 256], 3, 3, 2,
        ["cargo", "bench", "--locked", "-q", "-p", "app-core", "--bench", "metrics", "--",
         "--warm-up-time", "1", "--measurement-time", "3"],
        timed=True,
        counted_requests=4000,
    ),
    # Seconds per server, just enough to prove every bench still runs. Under
    # `cargo test` criterion runs each bench once. The Rust checks' `cargo
    # test --workspace` does not build this harness = false bench, so it is
    # compiled here, in the debug (test) profile on the dependencies those
    # checks built: the smoke run adds no release build.
    "smoke": Plan(
        [16], 1, 1, 1, ["cargo", "test", "--locked", "-q", "-p", "app-core", "--bench", "metrics"],
        timed=False, counted_requests=64,
    ),
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
    servers = [
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
    return servers + [
        Server(key=key, label=label, argv=[str(WORK / "bench-floor"), mode, f"127.0.0.1:{port}"], port=port)
        for key, label, mode, port in [
            ("same", "floor: bare hyper, same responses", "same", free_port()),
            ("hello", "floor: bare hyper, hello", "hello", free_port()),
        ]
    ]


# gunicorn as its users run it: the default sync worker (one request per
# connection, closed after the answer), and gthread, which keeps connections
# alive as the native server does. One worker each for the one core the
# server gets.
FLASK_WORKERS = {
    "flask-sync": ("Flask + gunicorn, sync worker", ["--workers", "1"]),
    "flask": ("Flask + gunicorn, gthread", ["--workers", "1", "--worker-class", "gthread", "--threads", "8"]),
}


def flask_servers() -> list[Server]:
    servers = []
    for key, (label, workers) in FLASK_WORKERS.items():
        port = free_port()
        servers.append(Server(
            key=key,
            label=label,
            argv=[
                str(BENCH / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", *workers,
                "--no-control-socket", "--log-level", "warning", "app:app",
            ],
            port=port,
            cwd=BENCH / "flask_peer",
        ))
    return servers


def edge_servers() -> tuple[list[Server], str | None]:
    """The edge variant on the edge host, with and without its store
    writes; or why it could not be measured."""
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


def scrape(server: Server) -> str:
    """The server's /metrics text; a BenchError unless it answers 200."""
    status, body = http_get(server.url("/metrics"))
    if status != 200:
        raise BenchError(f"{server.label} /metrics answered {status}")
    return body


def measure_scrape(wrk_prefix, server: Server, seconds: int) -> dict:
    body = scrape(server)
    values = [line for line in body.splitlines() if line and not line.startswith("#")]
    sample = measure(wrk_prefix, server, "/metrics", 1, seconds)
    return {"sample": sample.__dict__, "values": len(values), "bytes": len(body.encode())}


def host_stats(server: Server) -> dict | None:
    """The edge host's counters (component instances, store calls by
    function), from the line it logs when it stops:
    `edge-host: stopped: requests=N instances=N traps=N calls: increment=N ...`,
    and how it reset instance memory, from the line it logs as it starts."""
    text = server.log.read_text() if server.log else ""
    match = re.search(r"^edge-host: stopped: (.*)$", text, re.MULTILINE)
    if not match:
        return None
    head, _, calls = match.group(1).partition(" calls:")
    fields = dict(pair.split("=") for pair in head.split())
    ops = dict(pair.split("=") for pair in calls.split())
    # How the pool reset instance memory on this kernel (the start-up line):
    # the per-request figure depends on it.
    reset = re.search(r"^edge-host: serving .*, instance memory reset: (.*)$", text, re.MULTILINE)
    return {
        "instances": int(fields["instances"]),
        "traps": int(fields["traps"]),
        "ops": {op: int(n) for op, n in ops.items()},
        "memory_reset": reset.group(1) if reset else None,
    }


# --- checks that the instrumentation really ran ------------------------------

FLOOR = ("same", "hello")


def request_count(server: Server, family: str, route_label: str, route: str) -> float:
    total = 0.0
    for line in scrape(server).splitlines():
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
    bare = ("bare", "edge-bare")
    for key, server in servers.items():
        # The floor servers have no /metrics; the store-less edge cannot count.
        if key in FLOOR or key == "edge-nokv":
            continue
        family, label, route = checks[key.split("-")[0] if key.startswith(("edge", "flask")) else key]
        counted = request_count(server, family, label, route)
        if key in bare and counted != 0:
            raise BenchError(f"{server.label} recorded {counted} requests: wrong build")
        if key not in bare and counted == 0:
            raise BenchError(f"{server.label} recorded no requests under load")


def without_date(response: bytes) -> bytes:
    return b"".join(line for line in response.splitlines(keepends=True) if not line.lower().startswith(b"date:"))


def verify_same_bytes(native: Server, floor: Server) -> None:
    """The same-response floor must send app-native's bytes exactly (the
    Date header's time aside), or the comparison would price output."""
    for route in ROUTES:
        answers = []
        for server in (native, floor):
            conn = wire.Connections(server.port, 1)
            try:
                answers.append(without_date(conn.get(route)))
            finally:
                conn.close()
        if answers[0] != answers[1]:
            raise BenchError(f"{floor.label} answers {route} differently from {native.label}:\n{answers[0]!r}\n{answers[1]!r}")


# --- instruction counts ---------------------------------------------------------

COUNTED = ("instrumented", "bare", "same", "hello")
COUNTED_CONNECTIONS = 16
# A valid W3C traceparent: the instrumented server records its trace id as an
# exemplar. The same route without it is the paired count: what a request
# that carries no header pays for exemplar support is the difference between
# the native rows and their floors, unchanged from before the feature.
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACED_LABEL = "/api/items/1 + traceparent"
PROBES = [instructions.Probe(route, route) for route in ROUTES] + [
    instructions.Probe(TRACED_LABEL, "/api/items/1", (("traceparent", TRACEPARENT),)),
]


def perf_counts_instructions() -> bool:
    """Whether `perf stat` can count instructions here (most VMs: no)."""
    try:
        done = subprocess.run(["perf", "stat", "-x,", "-e", "instructions", "true"], capture_output=True, text=True)
    except FileNotFoundError:
        return False
    return done.returncode == 0 and "<not supported>" not in done.stderr and "<not counted>" not in done.stderr


def count_instructions(plan: Plan, servers: dict[str, Server], prefix: list[str]) -> list[dict]:
    counts = []
    for key in COUNTED:
        server = servers[key]
        print(f"counting instructions: {server.label}", file=sys.stderr)
        port = free_port()
        argv = [arg.replace(str(server.port), str(port)) for arg in server.argv]
        try:
            taken = instructions.count(
                key, prefix, argv, port, WORK, PROBES, COUNTED_CONNECTIONS,
                plan.counted_requests, plan.counted_requests,
            )
        except instructions.CountError as err:
            raise BenchError(f"instruction count failed: {err}") from err
        counts += [{**c.__dict__, "per_request": c.per_request} for c in taken]
    return counts


# --- criterion ---------------------------------------------------------------


def criterion_dir() -> Path:
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return Path(json.loads(metadata.stdout)["target_directory"]) / "criterion"


def run_criterion(plan: Plan, prefix: list[str]) -> dict:
    done = subprocess.run(prefix + plan.criterion, cwd=ROOT, capture_output=True, text=True)
    (WORK / "criterion.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise BenchError(f"criterion bench failed; see {WORK / 'criterion.log'}")
    sizes = [
        (group, case, int(size))
        for group, case, size in re.findall(r"^render-size (\S+) (\S+) (\d+)$", done.stdout, re.MULTILINE)
    ]
    if not sizes:
        raise BenchError("criterion bench printed no render sizes")
    estimates = {}
    if plan.timed:
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


# --- the run record ---------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return [
        f"{cpu}, {os.cpu_count()} logical CPUs, {mem_kib / 1024 / 1024:.1f} GiB RAM",
        f"Linux {platform.release()}; {wrk.split(' [')[0]}; Python {platform.python_version()}",
    ]


EDGE_FIELDS = ("edge_skipped", "edge_stats", "edge_bare_stats")


def merge_edge(base: dict, edge_run: dict) -> dict:
    """The saved run with its edge figures replaced by those of an
    `--only edge` run; the rest (native, Flask, criterion) stays as it was
    measured. The edge run's own date and load are kept beside it."""
    if base["plan"] != edge_run["plan"]:
        raise BenchError(f"the saved run used plan {base['plan']}, the edge run {edge_run['plan']}: cells would not line up")
    is_edge = lambda key: key.startswith("edge")  # noqa: E731
    merged = dict(base)
    merged["samples"] = [s for s in base["samples"] if not is_edge(s["server"])] + edge_run["samples"]
    merged["labels"] = {k: v for k, v in base["labels"].items() if not is_edge(k)} | edge_run["labels"]
    merged["rss_kib"] = {k: v for k, v in base["rss_kib"].items() if not is_edge(k)} | edge_run["rss_kib"]
    merged["scrapes"] = {k: v for k, v in base["scrapes"].items() if not is_edge(k)} | edge_run["scrapes"]
    for name in EDGE_FIELDS:
        merged[name] = edge_run.get(name)
    merged["edge_run"] = {
        "started": edge_run["started"],
        "load_before": edge_run["load_before"],
        "load_after": edge_run["load_after"],
    }
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=PLANS, default="full")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--only", choices=["edge"],
        help="run only these servers and merge their figures into the saved run of the same mode",
    )
    args = parser.parse_args()
    plan = PLANS[args.mode]
    WORK.mkdir(exist_ok=True)
    record = WORK / f"run-{args.mode}.json"
    if args.only and not record.exists():
        raise BenchError(f"--only {args.only} merges into {record}, which does not exist: run the full bench first")
    server_prefix, wrk_prefix = pinning()
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()

    servers = {} if args.only else {s.key: s for s in native_servers() + flask_servers()}
    edge, edge_skipped = edge_servers()
    if args.only and not edge:
        raise BenchError(f"--only edge, but the edge variant cannot run: {edge_skipped}")
    servers.update({s.key: s for s in edge})
    samples: list[Sample] = []
    scrapes: dict[str, dict] = {}
    try:
        for server in servers.values():
            print(f"starting {server.label}", file=sys.stderr)
            server.start(server_prefix)
        if "same" in servers:
            verify_same_bytes(servers["instrumented"], servers["same"])
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
    finally:
        for server in servers.values():
            server.stop()
    # The edge host says what it did as it stops.
    edge_stats = host_stats(servers["edge"]) if "edge" in servers else None
    edge_bare_stats = host_stats(servers["edge-bare"]) if "edge-bare" in servers else None

    crit = None
    counts = None
    if not args.only:
        counts = count_instructions(plan, servers, server_prefix)
        print("criterion benches", file=sys.stderr)
        crit = run_criterion(plan, server_prefix)
    load_after = os.getloadavg()

    run = {
        "mode": args.mode,
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "pinning": "server on core 0, wrk (1 thread) on core 1" if server_prefix else "not pinned (fewer than 2 cores)",
        "load_before": load_before,
        "load_after": load_after,
        "plan": {"rounds": plan.rounds, "seconds": plan.seconds, "warmup_seconds": plan.warmup_seconds},
        "labels": {key: server.label for key, server in servers.items()},
        "samples": [sample.__dict__ for sample in samples],
        "scrapes": scrapes,
        "rss_kib": rss,
        "edge_skipped": edge_skipped,
        "edge_stats": edge_stats,
        "edge_bare_stats": edge_bare_stats,
        "criterion": crit,
        "instructions": counts,
        "instructions_by": "callgrind (user space)" + ("" if perf_counts_instructions() else "; `perf stat -e instructions`: not supported on this machine"),
    }
    if args.only:
        (WORK / f"run-{args.mode}-{args.only}.json").write_text(json.dumps(run, indent=1))
        # The saved run before this merge stays beside it, never overwritten
        # by a second merge.
        original = WORK / f"run-{args.mode}-before-{args.only}.json"
        base = json.loads(record.read_text())
        if not original.exists():
            original.write_text(json.dumps(base, indent=1))
        run = merge_edge(base, run)
    record.write_text(json.dumps(run, indent=1))
    text = report.Report(run).render()
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        print(f"bench failed: {err}", file=sys.stderr)
        sys.exit(1)
