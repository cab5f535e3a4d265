"""A fresh database made ready for the load: seeded (with the Messages an endpoint needs), settled,
and the endpoints built for it with their wrk scripts, the same way for every bench command."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import endpoints, resources, servers, wrk
from bench.databases import Backend
from bench.endpoints import Endpoint
from bench.servers import Seed


@dataclass(frozen=True)
class Dataset:
    """What ``prepare`` made."""

    seed: Seed
    messages: int
    built: list[Endpoint]
    scripts: dict[str, Path]
    """The wrk script of each endpoint (the built ones and the extra ones), by name."""
    after_seed_seconds: float


def prepare(backend: Backend, url: str, apps: int, names: Sequence[str], tmp: Path, source: Path | None = None,
            extra: Sequence[Endpoint] = ()) -> Dataset:
    """Seed ``apps`` apps with the code in ``source`` (this checkout's if None), build ``names`` and
    write the scripts of those and of ``extra`` into ``tmp``."""
    print(f"\n[{backend.name}] seeding {apps:,} Connect Apps …", flush=True)
    seed = servers.seed(url, apps, source)
    messages = 0
    if set(endpoints.MESSAGE_ENDPOINTS) & set(names):
        started = time.perf_counter()
        messages = resources.seed_messages(url, seed.account_sid, min(apps, resources.MAX_MESSAGES))
        print(f"[{backend.name}] seeded {messages:,} Messages in {time.perf_counter() - started:.1f}s", flush=True)
    prepared = time.perf_counter()
    backend.after_seed(url)
    after_seed_seconds = time.perf_counter() - prepared
    print(f"[{backend.name}] seeded in {seed.seconds:.1f}s", flush=True)
    built = endpoints.build(tuple(names), backend, url, seed, messages)
    scripts: dict[str, Path] = {}
    for endpoint in [*extra, *built]:
        script = tmp / f"{backend.name}-{apps}-{endpoint.name}.lua"
        script.write_text(wrk.lua_script(endpoint.paths, method=endpoint.method, headers=dict(endpoint.headers),
                                         body=endpoint.body))
        scripts[endpoint.name] = script
    return Dataset(seed, messages, built, scripts, after_seed_seconds)
