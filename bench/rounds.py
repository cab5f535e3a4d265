"""Alternating rounds: the ceiling and every endpoint in turn, ``rounds`` times, medians at the end.

Load on a shared machine comes and goes; measuring the ceiling and the endpoints one after the other,
round after round, lets each ratio compare figures taken under the same conditions, and the median
of the rounds drops the round a burst of other work spoiled.
"""

import json
import statistics
from collections.abc import Sequence
from pathlib import Path

from bench import endpoints, servers, wrk
from bench.endpoints import Endpoint
from bench.report import Row, human_count
from bench.servers import Server


def check(server: Server, endpoint: Endpoint) -> None:
    """One request per endpoint before loading it: it must answer 2xx (and a full page for lists)."""
    status, body = servers.request(server.base_url, endpoint.paths[0], method=endpoint.method,
                                   headers=dict(endpoint.headers), body=endpoint.body)
    if not 200 <= status < 300:
        raise RuntimeError(f"{endpoint.name}: {endpoint.method} {endpoint.paths[0]} answered {status}: {body[:300]!r}")
    if endpoint.expect_items is not None:
        items = len(json.loads(body)[endpoint.list_key])
        if items != endpoint.expect_items:
            raise RuntimeError(f"{endpoint.name}: {items} items on the page, expected {endpoint.expect_items}")


def median_result(results: Sequence[wrk.WrkResult]) -> wrk.WrkResult:
    """Each figure's median over the rounds; errors summed."""
    def med(name: str) -> float:
        return float(statistics.median(getattr(r, name) for r in results))

    errors: dict[str, int] = {}
    for result in results:
        for kind, count in result.socket_errors.items():
            errors[kind] = errors.get(kind, 0) + count
    return wrk.WrkResult(
        requests=sum(r.requests for r in results), duration_s=sum(r.duration_s for r in results), rps=med("rps"),
        p50_ms=med("p50_ms"), p75_ms=med("p75_ms"), p90_ms=med("p90_ms"), p99_ms=med("p99_ms"),
        non_2xx=sum(r.non_2xx for r in results), socket_errors=errors,
    )


def load(wrk_path: str, target: Server, name: str, script: Path, settings: wrk.WrkSettings,
         duration_s: float | None = None) -> wrk.WrkResult:
    """One wrk run against ``target``; when it fails, the error carries the end of the server's log."""
    try:
        return wrk.run(wrk_path, target.base_url, script, settings, duration_s=duration_s)
    except RuntimeError as exc:
        state = "running" if target.running else "exited"
        raise RuntimeError(f"{name}: {exc}\nserver ({state}) log:\n{target.log_tail()}") from exc


def measure(wrk_path: str, settings: wrk.WrkSettings, warmup_s: float, rounds: int, ceiling: Server,
            server: Server, built: Sequence[Endpoint], scripts: dict[str, Path],
            label: tuple[str, int, int]) -> list[Row]:
    """The ceiling and ``built`` in alternating rounds; one Row each (medians), the ceiling's first."""
    order = [(e, server) for e in built]
    return measure_order(wrk_path, settings, warmup_s, rounds, ceiling, order, scripts, label)


def measure_order(wrk_path: str, settings: wrk.WrkSettings, warmup_s: float, rounds: int, ceiling: Server,
                  measured: Sequence[tuple[Endpoint, Server]], scripts: dict[str, Path],
                  label: tuple[str, int, int]) -> list[Row]:
    """The ceiling, then each endpoint on its own server, in alternating rounds; one Row each (medians)."""
    hello = Endpoint(endpoints.CEILING, ("/",))
    order = [(hello, ceiling), *measured]
    for endpoint, target in order:
        check(target, endpoint)
    runs: dict[str, list[wrk.WrkResult]] = {e.name: [] for e, _ in order}
    for round_number in range(rounds):
        for endpoint, target in order:
            script = scripts[endpoint.name]
            if round_number == 0 and warmup_s > 0:
                load(wrk_path, target, endpoint.name, script, settings, duration_s=warmup_s)
            runs[endpoint.name].append(load(wrk_path, target, endpoint.name, script, settings))
        print(f"  round {round_number + 1}/{rounds}: "
              + ", ".join(f"{name} {results[-1].rps:,.0f}" for name, results in runs.items()), flush=True)
    backend, apps, workers = label
    ceiling_rps = median_result(runs[endpoints.CEILING]).rps
    rows = []
    for endpoint, _ in order:
        result = median_result(runs[endpoint.name])
        row = Row.of(backend, apps, workers, endpoint.name, result, ceiling_rps)
        row.rounds = [round(r.rps) for r in runs[endpoint.name]]
        rows.append(row)
        print(f"  {backend:8} {human_count(apps):>5} w{workers} {endpoint.name:13} {row.rps:9,.0f} req/s  "
              f"p50 {row.p50_ms:7.2f} ms  p99 {row.p99_ms:7.2f} ms  ratio {row.ratio or 0:.2f}"
              + (f"  !! {row.flag}" if row.flag else ""), flush=True)
    return rows
