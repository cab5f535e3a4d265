"""Settings from flags and ``CONNECTAPPS_*`` environment variables."""

import os

DATABASE_ENV = "CONNECTAPPS_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///connectapps.db"


CALLBACKS_ENV = "CONNECTAPPS_CALLBACKS"
CALLBACK_ALLOWED_HOSTS_ENV = "CONNECTAPPS_CALLBACK_ALLOWED_HOSTS"


def callbacks_enabled() -> bool:
    """Whether this server sends deauthorize callbacks (``CONNECTAPPS_CALLBACKS=off`` disables it)."""
    return os.environ.get(CALLBACKS_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def callback_allowed_hosts() -> str:
    """Where deauthorize callbacks may go besides public addresses (``--callback-allowed-hosts``;
    see ``delivery.egress``). Empty by default: public destinations only."""
    return os.environ.get(CALLBACK_ALLOWED_HOSTS_ENV, "")


def database_url(flag: str | None = None) -> str:
    """The flag if given, else ``CONNECTAPPS_DATABASE_URL``, else the embedded SQLite default."""
    return flag or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE_URL


PROXY_HOPS_ENV = "CONNECTAPPS_PROXY_HOPS"


def proxy_hops() -> int:
    """How many reverse proxies in front of the server to trust (default 0: none).

    With N > 0, the web pages take the client address from the N-th ``X-Forwarded-For`` entry
    from the right (for sign-in throttling) and the scheme from ``X-Forwarded-Proto`` (for
    Secure cookies). Leave it at 0 when clients reach the server directly: those headers can
    then be forged by anyone.
    """
    value = os.environ.get(PROXY_HOPS_ENV, "0").strip() or "0"
    hops = int(value)
    if hops < 0:
        raise ValueError(f"{PROXY_HOPS_ENV} must be 0 or more, not {value}")
    return hops


SIGNIN_CONCURRENCY_ENV = "CONNECTAPPS_SIGNIN_CONCURRENCY"


def sign_in_concurrency() -> int:
    """How many passwords one server process checks at once (default: half its CPU cores, at least 1).

    Each check is an Argon2id hash (tens of milliseconds of CPU on up to 4 threads, 64 MiB); a
    sign-in beyond this many at once is answered 503 "try again" at once instead of holding a
    request thread. Keep it below the request threads (``serve --blocking-threads``).
    """
    value = os.environ.get(SIGNIN_CONCURRENCY_ENV, "").strip()
    if not value:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return max(1, cores // 2)
    limit = int(value)
    if limit < 1:
        raise ValueError(f"{SIGNIN_CONCURRENCY_ENV} must be 1 or more, not {value}")
    return limit


RANDOM_SEED_ENV = "CONNECTAPPS_RANDOM_SEED"


def random_seed() -> str | None:
    """``--random-seed`` / ``CONNECTAPPS_RANDOM_SEED``: new SIDs and tokens reproducible (tests only)."""
    return os.environ.get(RANDOM_SEED_ENV, "").strip() or None


ADMIN_TOKEN_ENV = "CONNECTAPPS_ADMIN_TOKEN"
ADMIN_TOKEN_MIN = 16


def admin_token() -> str | None:
    """The admin API's bearer token (``--admin-token`` / ``CONNECTAPPS_ADMIN_TOKEN``); None: no admin API."""
    return os.environ.get(ADMIN_TOKEN_ENV, "").strip() or None


JOURNAL_SIZE_ENV = "CONNECTAPPS_ADMIN_JOURNAL_SIZE"


def journal_size() -> int:
    """How many API requests the admin API's journal keeps (default 1000, at most 100,000)."""
    value = os.environ.get(JOURNAL_SIZE_ENV, "").strip() or "1000"
    size = int(value)
    if not 1 <= size <= 100_000:
        raise ValueError(f"{JOURNAL_SIZE_ENV} must be from 1 to 100000, not {value}")
    return size
