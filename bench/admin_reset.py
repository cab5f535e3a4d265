"""``python -m bench.admin_reset``: how long ``POST /__admin/reset`` takes between tests, measured
over HTTP against ``connectapps.testing.ConnectAppsServer`` (the server the pytest plugin runs) on
SQLite, seeded with 10 accounts and 20 Connect Apps; each round first changes a record so the reset
has something to undo. Prints the client-side and server-side figures (the target: 50 ms or less)."""

import argparse
import json
import statistics
import time
import urllib.request

from tests.seeding.seeds import bench_seed

from connectapps.testing import ConnectAppsServer


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--apps", type=int, default=20)
    args = parser.parse_args()
    with ConnectAppsServer(bench_seed(args.accounts, args.apps)) as server:
        client = server.client(f"AC{1:032x}")
        app = client.api.v2010.accounts(f"AC{1:032x}").connect_apps(f"CN{1:032x}")
        wall, inside = [], []
        for n in range(args.rounds):
            app.update(friendly_name=f"changed {n}")
            request = urllib.request.Request(f"{server.base_url}/__admin/reset", method="POST", data=b"",
                                             headers={"Authorization": f"Bearer {server.admin_token}"})
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as answer:
                body = json.loads(answer.read())
            wall.append((time.perf_counter() - started) * 1000)
            inside.append(float(body["duration_ms"]))
        assert app.fetch().friendly_name == "App 0"
    print(f"reset to a seed of {args.accounts} accounts and {args.apps} Connect Apps ({body['records']} records), "
          f"{args.rounds} rounds on SQLite:")
    for name, values in (("HTTP round trip", wall), ("server-side", inside)):
        print(f"  {name:16} median {statistics.median(values):6.2f} ms   p95 {_percentile(values, 0.95):6.2f} ms"
              f"   max {max(values):6.2f} ms")


if __name__ == "__main__":
    main()
