"""Running the command line as scripts do: its JSON output, or its refusal."""

import json
import subprocess
import sys
from typing import Any


def cli(database_url: str, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Any:
    """Run a command; return its parsed JSON output (or text when it prints no JSON)."""
    argv = [sys.executable, "-m", "connectapps", *args]
    if env is None:
        argv += ["--database", database_url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, input=stdin, env=env, check=False)
    assert done.returncode == 0, done.stderr
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return done.stdout


def fails(database_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "connectapps", *args, "--database", database_url],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2, done.stdout
    return done.stderr
