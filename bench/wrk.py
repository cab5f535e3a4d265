"""The load generator: make sure ``wrk`` is installed, write its Lua scripts, run it, parse its output."""

import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class WrkUnavailable(RuntimeError):
    """``wrk`` is not installed and could not be installed."""


def ensure_wrk() -> str:
    """The path of ``wrk``; installs it with apt-get (after ``apt-get update`` if needed) when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get"):
        raise WrkUnavailable("wrk is not on PATH and apt-get is not available: install wrk by hand")
    print("wrk not found: installing it with apt-get …", flush=True)
    attempts = (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"], ["apt-get", "install", "-y", "wrk"])
    log: list[str] = []
    for command in attempts:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        log.append(f"$ {' '.join(command)} -> exit {done.returncode}\n{done.stderr.strip()[-800:]}")
        if command[1] == "install" and done.returncode == 0 and shutil.which("wrk"):
            return str(shutil.which("wrk"))
    raise WrkUnavailable(
        "wrk is not on PATH and `apt-get install -y wrk` failed (are you root? is a package mirror reachable?)\n"
        + "\n".join(log)
    )


def _lua_string(value: str) -> str:
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"not a plain ASCII string: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(
    paths: Sequence[str], *, method: str = "GET", headers: Mapping[str, str] | None = None, body: str | None = None
) -> str:
    """A wrk script sending ``method`` to each of ``paths`` in turn, with these headers and body."""
    if not paths:
        raise ValueError("at least one path")
    lines = [f"wrk.method = {_lua_string(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(body)}")
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    lines.append("local paths = {" + ", ".join(_lua_string(p) for p in paths) + "}")
    lines += [
        "local i = 0",
        "request = function()",
        "  i = i % #paths + 1",
        "  return wrk.format(nil, paths[i])",
        "end",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class WrkResult:
    """What one wrk run measured. Latencies in milliseconds."""

    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Non-2xx/3xx answers plus socket errors (connect, read, write, timeout)."""
        return self.non_2xx + sum(self.socket_errors.values())


_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = re.compile(r"^\s*([\d.]+)(us|ms|s|m|h)\s*$")
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+(\S+)\s*$", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+\w+),", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", re.M)
_SOCKET = re.compile(r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.M)


def _ms(text: str) -> float:
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"unreadable wrk duration: {text!r}")
    return float(match.group(1)) * _TIME_UNITS_MS[match.group(2)]


def parse_output(text: str) -> WrkResult:
    """Parse the text ``wrk --latency`` prints; raises ValueError when a figure is missing."""
    percentiles = {int(p): _ms(v) for p, v in _PERCENTILE.findall(text)}
    total, rps = _TOTAL.search(text), _RPS.search(text)
    if total is None or rps is None or set(percentiles) != {50, 75, 90, 99}:
        raise ValueError(f"unexpected wrk output (was --latency given?):\n{text}")
    non_2xx = _NON_2XX.search(text)
    socket = _SOCKET.search(text)
    socket_errors = {}
    if socket:
        socket_errors = dict(zip(("connect", "read", "write", "timeout"), map(int, socket.groups()), strict=True))
    return WrkResult(
        requests=int(total.group(1)),
        duration_s=_ms(total.group(2)) / 1000,
        rps=float(rps.group(1)),
        p50_ms=percentiles[50],
        p75_ms=percentiles[75],
        p90_ms=percentiles[90],
        p99_ms=percentiles[99],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
    )


@dataclass(frozen=True)
class WrkSettings:
    """How hard and how long wrk pushes."""

    threads: int = 1
    connections: int = 16
    duration_s: float = 10.0
    timeout_s: float = 5.0
    cores: str | None = None  # ``taskset -c`` list wrk is pinned to (None: not pinned)


def run(wrk: str, base_url: str, script: Path, settings: WrkSettings, *, duration_s: float | None = None) -> WrkResult:
    """Run wrk once against ``base_url`` with ``script``; ``duration_s`` overrides the settings' (warm-up)."""
    seconds = max(1, round(duration_s if duration_s is not None else settings.duration_s))
    command = [
        wrk, f"-t{settings.threads}", f"-c{settings.connections}", f"-d{seconds}s",
        f"--timeout={max(1, round(settings.timeout_s))}s", "--latency", "-s", str(script), base_url,
    ]
    if settings.cores is not None:
        command = ["taskset", "-c", settings.cores, *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse_output(done.stdout)


def version(wrk: str) -> str:
    """wrk's version line (``wrk -v`` exits non-zero, so the exit code is ignored)."""
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0] if first else "unknown"
