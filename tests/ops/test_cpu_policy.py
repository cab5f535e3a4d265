"""``serve`` runs its workers under SCHED_BATCH (Linux): their threads do not preempt each other on
wake-up, so Granian's I/O thread no longer interrupts a request that holds the GIL (serving.py).
``CONNECTAPPS_CPU_POLICY=normal`` (``--cpu-policy normal``) keeps the system's default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from connectapps import serving
from tests.test_serving import running, worker_pid


def policies(pid: int) -> set[int]:
    """The scheduling policy of every thread of ``pid``."""
    return {os.sched_getscheduler(int(tid)) for tid in os.listdir(f"/proc/{pid}/task")}


def test_every_thread_of_a_worker_runs_as_batch_by_default(tmp_path: Path) -> None:
    with running(tmp_path, env={serving.CPU_POLICY_ENV: ""}) as server:
        assert requests.get(server.url + "/health", timeout=10).status_code == 200
        pid = worker_pid(server)
        assert len(os.listdir(f"/proc/{pid}/task")) > 2  # Granian's I/O threads and the Python ones
        assert policies(pid) == {os.SCHED_BATCH}
        assert '"cpu_policy":"batch"' in server.log.read_text()


def test_normal_keeps_the_systems_default_policy(tmp_path: Path) -> None:
    with running(tmp_path, env={serving.CPU_POLICY_ENV: "normal"}) as server:
        assert requests.get(server.url + "/health", timeout=10).status_code == 200
        assert policies(worker_pid(server)) == {os.SCHED_OTHER}


def test_a_bad_policy_stops_serve_with_a_clear_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "connectapps", "serve", "--port", "0", "--database", f"sqlite:///{tmp_path / 'x.db'}"],
        capture_output=True, text=True, timeout=30, env={**os.environ, serving.CPU_POLICY_ENV: "realtime"},
    )
    assert done.returncode != 0
    assert done.stderr.strip() == f"error: {serving.CPU_POLICY_ENV} must be one of batch, normal, not 'realtime'"


def test_the_policy_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(serving.CPU_POLICY_ENV, raising=False)
    assert serving.cpu_policy() == "batch"
    monkeypatch.setenv(serving.CPU_POLICY_ENV, " Normal ")
    assert serving.cpu_policy() == "normal"
    assert serving.apply_cpu_policy("normal") is False
