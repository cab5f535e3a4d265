"""A worker whose main process is killed without a word (SIGKILL, the OOM killer) stops on its own, as on
SIGTERM, instead of serving the port unsupervised (ops/lifecycle.py ``watch_parent``)."""

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import start_server
from tests.ops.logs import entries
from tests.processes import children, running


def test_workers_stop_when_their_main_process_is_killed(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'orphans.db'}", tmp_path, "--workers", "2")
    workers = children(server.proc.pid)
    try:
        assert len(workers) == 2
        account = server.account("Before")
        assert server.get(f"/2010-04-01/Accounts/{account.sid}.json", account).status_code == 200
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
        deadline = time.monotonic() + 20
        while any(running(pid) for pid in workers):
            assert time.monotonic() < deadline, f"workers still running:\n{server.log.read_text()[-3000:]}"
            time.sleep(0.1)
        logged = entries(server)
        orphaned = [e for e in logged if e["event"] == "orphaned"]
        assert sorted(e["pid"] for e in orphaned) == sorted(workers)
        assert all(e["parent"] == server.proc.pid and e["level"] == "warning" for e in orphaned)
        stopped = [e for e in logged if e["event"] == "worker_stopped"]
        assert sorted(e["pid"] for e in stopped) == sorted(workers)  # the graceful stop ran in each
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/health", timeout=2)  # nothing serves the port any more
    finally:
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        server.store.close()
