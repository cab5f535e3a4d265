"""``connectapps serve --demo`` as a person runs it: a process whose printed text is read line by line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import wait_until_up
from tests.processes import free_port, stop_process

STARTING = re.compile(r"^Starting the server at (\S+) \(Ctrl-C stops it\)\.$")


@dataclass
class DemoRun:
    """A running ``serve --demo`` and everything it printed before the server started."""

    proc: subprocess.Popen[str]
    stderr: Path
    lines: list[str] = field(default_factory=list)
    base: str | None = None  # from the start line, the last one ``serve --demo`` itself prints

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def value(self, label: str) -> str:
        """The value printed after ``label:`` (e.g. ``Console``, ``Password``)."""
        match = re.search(rf"^\s*{re.escape(label)}:\s+(\S+)", self.text, re.MULTILINE)
        assert match, f"{label!r} was not printed:\n{self.text}"
        return match.group(1)

    def errors(self) -> str:
        return self.stderr.read_text()

    def stop(self) -> None:
        stop_process(self.proc)


def start_demo(database_url: str, tmp: Path, *extra: str, cwd: Path | None = None) -> DemoRun:
    """Run ``connectapps serve --demo`` on a free port; return once it printed its text and answers."""
    port = free_port()
    stderr = tmp / f"demo-{port}.stderr"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    with stderr.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "connectapps", "serve", "--demo", "--port", str(port),
             "--database", database_url, *extra],
            stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=cwd,
        )
    run = DemoRun(proc, stderr)
    started = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if run.base is not None:
                continue  # the server's own log, if it writes to stdout
            run.lines.append(line.rstrip("\n"))
            match = STARTING.match(run.lines[-1])
            if match:
                run.base = match.group(1)
                started.set()
        started.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 60
    while not started.wait(0.1):
        if time.monotonic() > deadline:
            run.stop()
            raise AssertionError(f"serve --demo printed no start line:\n{run.text}\n{run.errors()}")
    if run.base is None:
        run.stop()
        raise AssertionError(f"serve --demo exited:\n{run.text}\n{run.errors()}")
    try:
        wait_until_up(run.base, proc)  # type: ignore[arg-type]
    except RuntimeError:
        run.stop()
        raise AssertionError(f"serve --demo did not start:\n{run.text}\n{run.errors()}") from None
    return run
