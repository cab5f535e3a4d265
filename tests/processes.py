"""Helper processes of the test suite (servers, the pooler): a free port to start one on, and a stop."""

import socket
import subprocess
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(proc: "subprocess.Popen[Any]", timeout: float = 10.0) -> None:
    """SIGTERM, and SIGKILL if it is still running after ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
