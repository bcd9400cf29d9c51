"""User-space instructions per request, counted by valgrind's callgrind.

Seconds on a shared 2-core machine move by tens of percent between runs;
instruction counts do not. Each server runs under callgrind with collection
off; a fixed set of keep-alive connections is opened and warmed (so accepts
and connection setup are not counted), collection is switched on, exactly
`requests` requests go out in lockstep rounds (one in flight per
connection), and the dump taken right after holds every instruction the
whole process (every thread) retired for them. The kernel's share (most of
a native request, see README.md) is not in these counts: they price the
server's own code.

`perf stat -e instructions` would count the kernel too, but the VMs this
runs on expose no hardware counters (`<not supported>`); bench.py says
which was used.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from wire import Connections, WireError


@dataclass(frozen=True)
class Probe:
    """What one count sends: `path` with `headers`, reported as `label`."""
    label: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()


class CountError(Exception):
    """A count that could not be taken (the server or valgrind broke)."""


@dataclass
class Count:
    server: str
    route: str
    connections: int
    requests: int
    instructions: int

    @property
    def per_request(self) -> float:
        return self.instructions / self.requests


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CountError("exited at start under valgrind")
        try:
            probe = Connections(port, 1)
            probe.send("/healthz", 1)
            probe.close()
            return
        except (OSError, WireError):
            time.sleep(0.5)
    raise CountError(f"not ready under valgrind within {timeout:.0f} s")


def _control(pid: int, *args: str) -> None:
    done = subprocess.run(["callgrind_control", *args, str(pid)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise CountError(f"callgrind_control {' '.join(args)} failed: {done.stderr or done.stdout}")


def _dumped_instructions(out: Path) -> int:
    """Ir of the newest dump callgrind wrote for `out` (out.1, out.2, ...)."""
    dumps = sorted(out.parent.glob(out.name + ".*"), key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else -1)
    if not dumps:
        raise CountError(f"callgrind wrote no dump next to {out}")
    match = re.search(r"^totals:\s+(\d+)", dumps[-1].read_text(), re.MULTILINE)
    if not match:
        raise CountError(f"no instruction total in {dumps[-1]}")
    return int(match.group(1))


def count(key: str, prefix: list[str], argv: list[str], port: int, work: Path, probes: list[Probe], connections: int, requests: int, warmup: int) -> list[Count]:
    """One server under callgrind (`prefix` before valgrind: taskset);
    one Count per probe, all from the same process so start-up and
    first-touch costs land in no count."""
    out = work / f"callgrind.{key}.out"
    for stale in work.glob(out.name + "*"):
        stale.unlink()
    log = work / f"callgrind.{key}.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [*prefix, "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *argv],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    counts = []
    try:
        _wait_ready(port, process)
        conns = Connections(port, connections)
        try:
            for probe in probes:
                conns.send(probe.path, warmup, probe.headers)
                _control(process.pid, "--zero")
                _control(process.pid, "--instr=on")
                conns.send(probe.path, requests, probe.headers)
                _control(process.pid, "--instr=off")
                _control(process.pid, "--dump")
                counts.append(Count(key, probe.label, connections, requests, _dumped_instructions(out)))
        finally:
            conns.close()
    except (CountError, WireError, OSError) as err:
        raise CountError(f"{key}: {err}; see {log}") from err
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return counts
