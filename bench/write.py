"""``python -m bench write``: what the two changes that could make a SQLite update cheaper would save, measured
before either is built — several requests' updates committed in one transaction (group commit), and fewer
indexes to move with each update.

Each SQLite update is its own transaction today, and moves two of the table's four indexes besides its row
(``DROPPED``; SQLite leaves alone an index none of whose columns changed). This mode seeds a database as
``python -m bench`` does, copies it twice (as it is, and without those two), and on each copy runs
``--updates`` updates of randomly chosen apps (the same apps in the same order on both) through the store
``connectapps serve`` opens on it: one ``update_connect_app`` per transaction, then ``--batches`` of them in
one transaction (the store's own ``BEGIN IMMEDIATE`` … ``COMMIT``). It prints the process's CPU µs per update
(the checkpointer's thread included), the median of ``--passes`` alternating passes, beside the ceiling app's
in-process µs per request (bench/ceiling.py; the same figure as ``python -m bench profile``'s). What it leaves
out: the hand-off a real group commit would add, HTTP, and the rest of the request.

A batch is also bounded by how many updates are in flight at once: one per request thread (``serve``'s
``--blocking-threads``).
"""

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bench import profile, servers
from bench.endpoints import Endpoint
from connectapps.store.sqlite import SqliteStore

AS_IS = "indexes as they are"
WITHOUT = "without the two"
DROPPED = ("connect_apps_account_name", "connect_apps_account_version")  # the name order; (account, SID, version)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench write", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=1_000, help="Connect Apps seeded (default 1000)")
    parser.add_argument("--updates", type=int, default=2_000, help="updates per measurement (default 2000)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 2, 4, 8, 32],
                        help="updates per transaction to measure (default 1 2 4 8 32)")
    parser.add_argument("--passes", type=int, default=3, help="alternating passes; medians count (default 3)")
    return parser.parse_args(argv)


def without_indexes(path: Path) -> None:
    """Drop ``DROPPED`` from the database at ``path`` (an error if either is not there)."""
    with closing(sqlite3.connect(path)) as conn:
        for name in DROPPED:
            conn.execute(f"DROP INDEX {name}")
        conn.commit()


def updates(store: SqliteStore, account_sid: str, sids: Sequence[str], batch: int) -> float:
    """Update each of ``sids`` (FriendlyName), ``batch`` to a transaction; the process's CPU µs per update."""
    started = time.process_time()
    for first in range(0, len(sids), batch):
        if batch == 1:
            _update(store, account_sid, sids[first])
            continue
        with store._transaction():  # the store's BEGIN IMMEDIATE: the updates' statements join it
            for sid in sids[first:first + batch]:
                _update(store, account_sid, sid)
    return (time.process_time() - started) * 1e6 / len(sids)


def _update(store: SqliteStore, account_sid: str, sid: str) -> None:
    if store.update_connect_app(account_sid, sid, {"friendly_name": "bench"}, datetime.now(UTC)) is None:
        raise RuntimeError(f"{sid} was not updated")


def run(args: argparse.Namespace, folder: Path) -> dict[str, dict[int, float]]:
    """Median CPU µs per update, by variant and batch size."""
    seeded = folder / "seeded.db"
    seed = servers.seed(f"sqlite:///{seeded}", args.apps)
    with closing(sqlite3.connect(seeded)) as conn:
        every = [sid for (sid,) in conn.execute("SELECT sid FROM connect_apps")]
    copies = {AS_IS: folder / "as-is.db", WITHOUT: folder / "without.db"}
    for copy in copies.values():
        shutil.copy(seeded, copy)
    without_indexes(copies[WITHOUT])
    stores = {variant: SqliteStore.from_url(f"sqlite:///{copy}") for variant, copy in copies.items()}
    rng = random.Random(11)
    seen: dict[str, dict[int, list[float]]] = {variant: {b: [] for b in args.batches} for variant in copies}
    try:
        for store in stores.values():  # a warm-up: the first writes open the log and start the checkpointer
            updates(store, seed.account_sid, every[:100], 1)
        for _ in range(args.passes):
            for batch in args.batches:
                sids = [rng.choice(every) for _ in range(args.updates)]
                for variant, store in stores.items():
                    seen[variant][batch].append(updates(store, seed.account_sid, sids, batch))
    finally:
        for store in stores.values():
            store.close()
    return {variant: {b: statistics.median(v) for b, v in by_batch.items()} for variant, by_batch in seen.items()}


def ceiling_us() -> float:
    """The ceiling app's in-process CPU µs per request."""
    from bench import ceiling

    return profile.measure(ceiling.app, Endpoint("ceiling", ("/health",)),
                           argparse.Namespace(requests=300, batches=7))[0]


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    print(f"SQLite, {args.apps:,} apps, {args.updates:,} updates a measurement, median of {args.passes} passes, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="connectapps-write-") as tmp:
        medians = run(args, Path(tmp))
    hello = ceiling_us()
    print(f"\nCPU µs per update, and ÷ the ceiling's in-process request ({hello:.1f} µs)")
    print(f"{'updates a transaction':>22}" + "".join(f"{variant:>24}{'÷ ceiling':>10}" for variant in medians))
    for batch in args.batches:
        print(f"{batch:>22}" + "".join(f"{medians[v][batch]:24.1f}{medians[v][batch] / hello:10.2f}" for v in medians))
    return 0
