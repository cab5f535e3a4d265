"""The official twilio-node client (npm ``twilio`` 6.3.1), unchanged but for its base URL.

``make test`` installs it into tests/node/node_modules from package-lock.json; if node or the
package is missing this test fails (it never skips).
"""

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import Server

HERE = Path(__file__).resolve().parent


def test_twilio_node_fetch_update_list_page_and_errors(server: Server) -> None:
    node = shutil.which("node")
    assert node, "node is required for the twilio-node test"
    assert (HERE / "node_modules" / "twilio").is_dir(), "run `make test` (it runs npm ci in tests/node)"
    owner = server.account("Node owner")
    apps = sorted(
        (server.app(owner, friendly_name=f"Node {n}", permissions=["get-all"]) for n in range(5)),
        key=lambda a: a.sid,
    )
    done = subprocess.run(
        [node, str(HERE / "client.js"), server.url, owner.sid, owner.auth_token, apps[0].sid],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["fetched"]["sid"] == apps[0].sid
    assert out["fetched"]["friendlyName"] == apps[0].friendly_name  # node camelCases snake_case keys
    assert out["fetched"]["permissions"] == ["get-all"]
    assert out["updated"]["friendlyName"] == "From node"
    assert out["updated"]["permissions"] == ["get-all", "post-all"]
    every = [a.sid for a in apps]
    assert out["listed"] == every
    assert out["each"] == every
    assert out["pages"] == [every[:2], every[2:4]]
    assert out["missing"]["status"] == 404 and out["missing"]["code"] == 20404
    assert out["missing"]["moreInfo"] == "https://www.twilio.com/docs/errors/20404"
    assert out["removed"] == {"status": 405, "code": 20004}
