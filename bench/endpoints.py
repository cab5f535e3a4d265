"""The requests the benchmark sends: one ``Endpoint`` per measured operation, built for a seeded dataset."""

import base64
from dataclasses import dataclass

from bench import databases
from bench.databases import Backend
from bench.servers import Seed

PAGE_SIZE = 50
SAMPLE = 64
DEPTH = 0.9

CEILING = "ceiling"
HEALTH = "health"
READY = "ready"
FETCH = "fetch"
LIST_FIRST = "list-first"
LIST_DEEP = "list-deep-90"
LIST_OFFSET = "list-offset-90"
UPDATE = "update"
MESSAGE_FETCH = "message-fetch"
MESSAGE_LIST = "message-list"
MESSAGE_ENDPOINTS = (MESSAGE_FETCH, MESSAGE_LIST)
DEFAULT_ORDER = (FETCH, LIST_FIRST, LIST_DEEP, UPDATE)
ALL = (HEALTH, READY, *DEFAULT_ORDER, MESSAGE_FETCH, MESSAGE_LIST, LIST_OFFSET)
DESCRIPTIONS = {
    CEILING: "GET on bench/ceiling.py: a minimal Falcon app, small JSON body, own Granian on the same core",
    HEALTH: "GET /health of the server under test (a hello-world route inside it)",
    READY: "GET /health/ready: one trivial database round trip (SELECT 1), the bound for any DB-backed request",
    FETCH: f"GET one ConnectApp, rotating over {SAMPLE} random SIDs",
    LIST_FIRST: f"GET list, first page, PageSize={PAGE_SIZE}",
    LIST_DEEP: f"GET list at {DEPTH:.0%} depth via PageToken=PA<sid> (keyset, as next_page_uri does)",
    LIST_OFFSET: f"GET list at {DEPTH:.0%} depth via Page=K without PageToken (offset)",
    UPDATE: f"POST FriendlyName=bench to one ConnectApp, rotating over {SAMPLE} random SIDs",
    MESSAGE_FETCH: f"GET one Message (a spec-driven resource), rotating over {SAMPLE} random SIDs",
    MESSAGE_LIST: f"GET the Messages list, first page, PageSize={PAGE_SIZE}",
}


@dataclass(frozen=True)
class Endpoint:
    """One measured operation: the paths wrk rotates over, with method, headers and body."""

    name: str
    paths: tuple[str, ...]
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    expect_items: int | None = None
    """For list endpoints: how many items (under ``list_key``) a correct answer holds."""
    list_key: str = "connect_apps"


def basic_auth(seed: Seed) -> str:
    token = base64.b64encode(f"{seed.account_sid}:{seed.auth_token}".encode()).decode()
    return f"Basic {token}"


def build(names: tuple[str, ...], backend: Backend, url: str, seed: Seed, messages: int = 0) -> list[Endpoint]:
    """The endpoints ``names`` for this seeded database (reads SIDs from it directly)."""
    auth = (("Authorization", basic_auth(seed)),)
    base = f"/2010-04-01/Accounts/{seed.account_sid}/ConnectApps"
    sample = databases.sample_sids(backend, url, seed.account_sid, min(SAMPLE, seed.apps))
    instance_paths = tuple(f"{base}/{sid}.json" for sid in sample)
    page = int(seed.apps * DEPTH) // PAGE_SIZE  # the page that starts at 90% of the SID-sorted set
    first_items = min(PAGE_SIZE, seed.apps)
    deep_items = min(PAGE_SIZE, seed.apps - page * PAGE_SIZE)
    built: list[Endpoint] = []
    for name in names:
        if name == HEALTH:
            built.append(Endpoint(name, ("/health",)))
        elif name == READY:
            built.append(Endpoint(name, ("/health/ready",)))
        elif name == FETCH:
            built.append(Endpoint(name, instance_paths, headers=auth))
        elif name == LIST_FIRST:
            built.append(Endpoint(name, (f"{base}.json?PageSize={PAGE_SIZE}",), headers=auth,
                                  expect_items=first_items))
        elif name == LIST_DEEP:
            anchor = databases.sid_at(backend, url, seed.account_sid, page * PAGE_SIZE - 1) if page else None
            query = f"PageSize={PAGE_SIZE}&Page={page}" + (f"&PageToken=PA{anchor}" if anchor else "")
            built.append(Endpoint(name, (f"{base}.json?{query}",), headers=auth, expect_items=deep_items))
        elif name == LIST_OFFSET:
            built.append(Endpoint(name, (f"{base}.json?PageSize={PAGE_SIZE}&Page={page}",), headers=auth,
                                  expect_items=deep_items))
        elif name == MESSAGE_FETCH:
            paths = tuple(f"/2010-04-01/Accounts/{seed.account_sid}/Messages/{sid}.json"
                          for sid in databases.sample_message_sids(backend, url, seed.account_sid, SAMPLE))
            built.append(Endpoint(name, paths, headers=auth))
        elif name == MESSAGE_LIST:
            messages_list = f"/2010-04-01/Accounts/{seed.account_sid}/Messages.json?PageSize={PAGE_SIZE}"
            built.append(Endpoint(name, (messages_list,), headers=auth, expect_items=min(PAGE_SIZE, messages),
                                  list_key="messages"))
        elif name == UPDATE:
            form = (("Content-Type", "application/x-www-form-urlencoded"),)
            built.append(Endpoint(name, instance_paths, method="POST", headers=auth + form, body="FriendlyName=bench"))
        else:
            raise ValueError(f"unknown endpoint {name!r}")
    return built
