"""examples/connect_app — the project a new user copies — passes its own suite, run as its users run it:
``pytest`` in its directory, with only the plugin (loaded through its entry point) to test against."""

import os
import re
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "connect_app"


def test_the_example_projects_suite_passes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CONNECTAPPS_", "TWILIO_"))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--basetemp={tmp_path}"],
                          cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert re.search(r"\b4 passed\b", done.stdout), done.stdout[-2000:]
