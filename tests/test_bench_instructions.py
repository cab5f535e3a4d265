"""``python -m bench instructions`` (bench/instructions.py): Valgrind's instruction counts, which the host's
noise does not move, and the child interpreter that serves one endpoint's requests to be counted."""

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from bench import endpoints, instructions, servers
from bench.common import ROOT
from bench.databases import SqliteBackend
from bench.endpoints import Endpoint

SUMMARY = """==31710== Cachegrind, a cache and branch-prediction profiler
==31710== I   refs:      39,265,588
"""


def test_the_count_is_read_from_valgrinds_summary() -> None:
    assert instructions.instructions(SUMMARY) == 39_265_588
    with pytest.raises(RuntimeError, match="no instruction count"):
        instructions.instructions("==1== ERROR SUMMARY: 0 errors\n")


def test_a_count_is_the_same_every_time_and_grows_with_the_work() -> None:
    def loop(times: int) -> int:
        return instructions.counted([sys.executable, "-c", f"for _ in range({times}): pass"],
                                    {"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"})

    none, once, twice = loop(0), loop(100_000), loop(200_000)
    per_pass = (once - none) / 100_000
    assert per_pass > 0
    assert abs((twice - none) / 200_000 - per_pass) < 0.01 * per_pass  # what a pass costs, counted twice


def test_a_failing_command_is_reported_with_its_output() -> None:
    with pytest.raises(RuntimeError, match="exit 3"):
        instructions.counted([sys.executable, "-c", "import sys; sys.exit(3)"])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Endpoint]]:
    folder = tmp_path_factory.mktemp("instructions")
    url = f"sqlite:///{folder / 'seeded.db'}"
    seed = servers.seed(url, 20)
    built = endpoints.build((endpoints.FETCH, endpoints.UPDATE), SqliteBackend(folder), url, seed)
    return folder / "seeded.db", built


def _child(endpoint: Endpoint, database: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(asdict(endpoint)))
    return subprocess.run([sys.executable, "-m", "bench.instructions", "--child", str(spec), str(database), "30"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_the_child_answers_each_endpoints_requests_and_logs_them_as_served(
    seeded: tuple[Path, list[Endpoint]], tmp_path: Path,
) -> None:
    database, built = seeded
    for endpoint in built:
        done = _child(endpoint, database, tmp_path)
        assert done.returncode == 0, done.stderr
        lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
        assert [line["status"] for line in lines if line["event"] == "request"] == [200] * 30


def test_the_child_fails_on_an_answer_that_is_not_a_success(
    seeded: tuple[Path, list[Endpoint]], tmp_path: Path,
) -> None:
    database, _ = seeded
    wrong = Endpoint("fetch", ("/2010-04-01/Accounts/AC00000000000000000000000000000000.json",))  # no credentials
    done = _child(wrong, database, tmp_path)
    assert done.returncode != 0 and "answered 401" in done.stderr
