"""Results: the printed table, the JSON files and the PNG chart."""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.wrk import WrkResult


@dataclass
class Row:
    """One endpoint measured on one server (backend, dataset size, worker count)."""

    backend: str
    apps: int
    workers: int
    endpoint: str
    rps: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    duration_s: float
    non_2xx: int
    socket_errors: dict[str, int] = field(default_factory=dict)
    ratio: float | None = None
    """median req/s over the ceiling's median req/s in the same run."""
    rounds: list[int] = field(default_factory=list)
    """req/s of each round."""

    @classmethod
    def of(cls, backend: str, apps: int, workers: int, endpoint: str, result: WrkResult,
           ceiling_rps: float | None) -> "Row":
        ratio = result.rps / ceiling_rps if ceiling_rps else None
        return cls(
            backend=backend, apps=apps, workers=workers, endpoint=endpoint, rps=result.rps,
            p50_ms=result.p50_ms, p75_ms=result.p75_ms, p90_ms=result.p90_ms, p99_ms=result.p99_ms,
            requests=result.requests, duration_s=result.duration_s, non_2xx=result.non_2xx,
            socket_errors={k: v for k, v in result.socket_errors.items() if v}, ratio=ratio,
        )

    @property
    def flag(self) -> str:
        """Empty when every request got a 2xx/3xx; else what went wrong."""
        parts = []
        if self.non_2xx:
            parts.append(f"{self.non_2xx} non-2xx")
        parts += [f"{count} {kind} errors" for kind, count in self.socket_errors.items() if count]
        return "; ".join(parts)


def human_count(n: int) -> str:
    """1000 -> 1k, 1000000 -> 1M, 20000 -> 20k, 1500 -> 1500."""
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def config_label(row: Row) -> str:
    return f"{row.backend} {human_count(row.apps)} w{row.workers}"


def table(rows: list[Row]) -> str:
    """A fixed-width text table of ``rows``, with a flag column for errors."""
    header = ("backend", "apps", "workers", "endpoint", "req/s", "p50 ms", "p99 ms", "ratio", "errors")
    lines = [
        (r.backend, human_count(r.apps), str(r.workers), r.endpoint, f"{r.rps:,.0f}", f"{r.p50_ms:.2f}",
         f"{r.p99_ms:.2f}", f"{r.ratio:.2f}" if r.ratio is not None else "-", r.flag or "-")
        for r in rows
    ]
    out = aligned(header, lines, {1, 2, 4, 5, 6, 7})
    grouped = out[:2]
    previous: tuple[str, int, int] | None = None
    for row, line in zip(rows, out[2:], strict=True):
        key = (row.backend, row.apps, row.workers)
        if previous is not None and key != previous:
            grouped.append("")
        previous = key
        grouped.append(line)
    return "\n".join(grouped)


def aligned(header: tuple[str, ...], lines: Sequence[tuple[str, ...]], numeric: set[int]) -> list[str]:
    """``header``, a rule and ``lines`` in fixed-width columns, those in ``numeric`` right-aligned."""
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                                   strict=True)))

    return [fmt(header), "  ".join("-" * w for w in widths), *(fmt(line).rstrip() for line in lines)]


def write_json(path: Path, metadata: dict[str, Any], rows: list[Row]) -> None:
    write_document(path, {**metadata, "results": [asdict(r) for r in rows]})


def write_document(path: Path, body: dict[str, Any]) -> None:
    """``body`` as indented JSON, written whole or not at all (through a .tmp file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n")
    tmp.replace(path)


def write_chart(path: Path, rows: list[Row], subtitle: str) -> None:
    """Grouped bars: one group per configuration, one bar per endpoint, height = ratio to /health."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measured = [r for r in rows if r.ratio is not None and r.endpoint != "ceiling"]
    configs = list(dict.fromkeys(config_label(r) for r in measured))
    endpoints = list(dict.fromkeys(r.endpoint for r in measured))
    ratio = {(config_label(r), r.endpoint): r.ratio or 0.0 for r in measured}
    width = 0.8 / max(1, len(endpoints))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(configs) + 2), 4.2), dpi=100)
    for i, endpoint in enumerate(endpoints):
        xs = [c + (i - (len(endpoints) - 1) / 2) * width for c in range(len(configs))]
        ax.bar(xs, [ratio.get((cfg, endpoint), 0.0) for cfg in configs], width, label=endpoint)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(configs)), configs, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("req/s ÷ ceiling req/s (same core, same run)")
    ax.set_ylim(0, max(1.05, *(ratio.values() or [0.0])) * 1.05)
    ax.set_title(f"ConnectApps throughput relative to the ceiling (a minimal Falcon app)\n{subtitle}", fontsize=9)
    ax.legend(fontsize=7, ncol=min(len(endpoints), 5), loc="upper center", bbox_to_anchor=(0.5, -0.28))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
