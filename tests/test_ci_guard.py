"""Under CI, a run without PostgreSQL fails as a whole (tests/conftest.py's pytest_sessionstart),
rather than passing with the PostgreSQL half silently off."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import POSTGRES_ENV

ROOT = Path(__file__).resolve().parents[1]


def test_ci_without_postgres_fails_the_run(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (POSTGRES_ENV, "PYTEST_ADDOPTS")} | {"CI": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_import_graph.py", "-q", "-p", "no:cacheprovider",
         f"--basetemp={tmp_path / 'inner'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 4, done.stdout + done.stderr  # pytest's usage error: no test ran
    assert f"CI is set but {POSTGRES_ENV} is not" in done.stderr
