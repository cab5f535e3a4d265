"""``python -m bench floor``: how far each path could rise if all our work above the store cost nothing.

It seeds one database and serves it three ways at once, all pinned to the same core with wrk on the other:
the ceiling (bench/ceiling.py), the floor (bench/floor_app.py: the ceiling plus the store's calls of the
path and nothing else; for the list, an answer as long as the server's first page) and ``connectapps
serve``. In alternating rounds it loads the ceiling, then for each path its floor and the server, and
reports both ratios to the ceiling and the server's share of its floor. With ``--access-line`` it serves a
second floor that also writes the access line serve writes for the path (on by default in serve), loaded
after the first in each round: how much of what is left between a path and its floor is that line.

A floor's ratio is the most the path can reach while the store does what it does for each request: where
it sits under a target, the target asks for a different store, not for a faster request path above it.
"""

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

from bench import common, dataset, endpoints, report, rounds, wrk
from bench.databases import Backend
from bench.endpoints import Endpoint
from bench.report import Row, human_count
from bench.servers import CeilingServer, FloorServer, Server, request
from connectapps import cli, config, serving
from connectapps.cli_serve import default_blocking_threads

PATHS = (endpoints.FETCH, endpoints.LIST_FIRST, endpoints.UPDATE)
"""The paths whose store work the floor app knows: a fetch, the first page of the list, an update."""
FLOOR = "floor-"
FLOOR_LINE = "floor+line-"
FLOORS = (FLOOR, FLOOR_LINE)
"""The rows of a path's floors: ``floor-fetch``, and with ``--access-line`` ``floor+line-fetch``."""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench floor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_dataset_arguments(parser)
    common.add_load_arguments(parser, rounds=3, endpoint_names=PATHS)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run (default 4)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds before the first round (default 1)")
    parser.add_argument("--access-line", action="store_true",
                        help="also serve a floor that writes serve's access line for each request of a path")
    args = parser.parse_args(argv)
    if unknown := set(args.endpoints) - set(PATHS):
        parser.error(f"the floor knows only {', '.join(PATHS)}, not {', '.join(sorted(unknown))}")
    common.settle(args)
    return args


Served = list[tuple[Endpoint, Server]]


def order(built: Sequence[Endpoint], floors: Sequence[tuple[str, Server]], server: Server) -> Served:
    """Each path on each of its ``floors`` (a row name's prefix and its server), then on the server: the
    runs a ratio of them compares. A floor answers no record (the list's, padding as long as the page), so
    its items are not checked."""
    pairs: Served = []
    for endpoint in built:
        pairs += [(replace(endpoint, name=prefix + endpoint.name, expect_items=None), floor)
                  for prefix, floor in floors]
        pairs.append((endpoint, server))
    return pairs


def serve_settings(flags: Sequence[str], url: str) -> tuple[int, str]:
    """The blocking threads and CPU policy ``connectapps serve`` runs its worker with, given ``flags``
    (``--serve-flag``) on ``url``: the floor runs with the same. Its other flags mean nothing to the floor."""
    parsed = cli.build_parser().parse_args(["serve", *flags])
    threads = parsed.blocking_threads or default_blocking_threads(url, config.sign_in_concurrency())
    return threads, parsed.cpu_policy or serving.cpu_policy()


def first_page_bytes(server: Server, built: Sequence[Endpoint]) -> int:
    """The length of the server's answer to the list's first page (0 if the list is not measured): the
    list's floor answers as many bytes."""
    listed = [endpoint for endpoint in built if endpoint.name == endpoints.LIST_FIRST]
    if not listed:
        return 0
    status, body = request(server.base_url, listed[0].paths[0], headers=dict(listed[0].headers))
    if status != 200:
        raise RuntimeError(f"the first page answered {status}: {body[:200]!r}")
    return len(body)


def shares(rows: Sequence[Row], prefix: str = FLOOR) -> dict[str, float]:
    """Each path's req/s over its floor's (1.0: all the path's cost is the store's), the floor whose rows
    ``prefix`` names."""
    by_name = {row.endpoint: row.rps for row in rows}
    return {name: by_name[name] / by_name[prefix + name] for name in by_name
            if not name.startswith(FLOORS) and by_name.get(prefix + name)}


def bench(args: argparse.Namespace, wrk_path: str, backend: Backend, tmp: Path) -> list[Row]:
    with backend.fresh(human_count(args.apps)) as url:
        data = dataset.prepare(backend, url, args.apps, args.endpoint_names, tmp,
                               extra=[Endpoint(endpoints.CEILING, ("/",))])
        prefixes = FLOORS if args.access_line else (FLOOR,)
        scripts = {**data.scripts, **{prefix + e.name: data.scripts[e.name] for e in data.built for prefix in prefixes}}
        threads, policy = serve_settings(args.serve_flag, url)
        settings = wrk.WrkSettings(threads=1, connections=args.connections, duration_s=args.duration,
                                   cores=args.wrk_cores)
        with Server(url, 1, tmp / "server.log", tuple(args.serve_flag), cores=args.server_cores) as server:
            page = first_page_bytes(server, data.built)
            with contextlib.ExitStack() as started:
                floors = [(prefix, started.enter_context(FloorServer(
                    url, tmp / f"{prefix.rstrip('-')}.log", threads, cores=args.server_cores, list_bytes=page,
                    cpu_policy=policy, access_line=prefix == FLOOR_LINE))) for prefix in prefixes]
                ceiling = started.enter_context(CeilingServer(tmp / "ceiling.log", 1, cores=args.server_cores))
                print(f"the floor on {threads} blocking threads under the {policy} CPU policy, as serve's worker; "
                      f"its list answers {page:,} bytes, as the server's first page"
                      + ("; a second floor writes serve's access line" if args.access_line else ""), flush=True)
                return rounds.measure_order(wrk_path, settings, args.warmup, args.rounds, ceiling,
                                            order(data.built, floors, server), scripts, (backend.name, args.apps, 1))


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    wrk_path = common.find_wrk()
    if wrk_path is None:
        return 2
    if common.backend_unusable(args):
        return 2
    started, load_before = datetime.now(UTC), common.load_average()
    notice = common.core_notice(args)
    print("\n".join(filter(None, (notice, common.load_warning()))), flush=True)
    with tempfile.TemporaryDirectory(prefix="connectapps-floor-") as tmp_name:
        tmp = Path(tmp_name)
        rows = bench(args, wrk_path, common.dataset_backend(args, tmp), tmp)
    found, with_line = shares(rows), shares(rows, FLOOR_LINE)
    ratio = {row.endpoint: row.ratio or 0.0 for row in rows}
    print("\npath       server/ceiling  floor/ceiling  server/floor"
          + ("  floor+line/ceiling  server/(floor+line)" if with_line else ""))
    for name, share in found.items():
        print(f"{name:10} {ratio[name]:14.2f} {ratio[FLOOR + name]:14.2f} {share:13.2f}"
              + (f" {ratio[FLOOR_LINE + name]:19.2f} {with_line[name]:20.2f}" if name in with_line else ""))
    print(f"\n{notice}")
    path = args.results_dir / f"floor-{args.backend}-latest.json"
    report.write_document(path, {
        "started": started.isoformat(timespec="seconds"), "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": common.command_line(["floor", *argv]), "git": common.git_state(), "backend": args.backend,
        "apps": args.apps, "serve_flags": args.serve_flag, "floor_access_line": args.access_line,
        "load_average": {"before": load_before, "after": common.load_average()},
        "machine": common.machine(), "cores": {"servers": args.server_cores, "wrk": args.wrk_cores},
        "rows": [asdict(row) for row in rows], "server_over_floor": found, "server_over_floor_with_line": with_line,
    })
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
