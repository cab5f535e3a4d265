"""Reading a server's JSON log in tests: every line must parse."""

import json
from typing import Any

from tests.conftest import Server


def entries(server: Server) -> list[dict[str, Any]]:
    """Every complete line of the server's log as JSON (a line that is not JSON fails the test). A
    running server may be writing its last line: only what a newline ends has been written whole."""
    lines = server.log.read_text().split("\n")[:-1]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON log line: {line!r}") from None
    return parsed


def requests_logged(server: Server) -> dict[str, dict[str, Any]]:
    """The access log's lines by request id."""
    return {e["request_id"]: e for e in entries(server) if e["event"] == "request"}
