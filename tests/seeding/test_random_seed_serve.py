"""``serve --random-seed``: two runs from the same seed file and value make the same SIDs and tokens;
another value makes others."""

from pathlib import Path

import requests

from tests.conftest import drop_database_url, fresh_database_url, start_server, stop_server
from tests.seeding.seeds import OWNER, OWNER_TOKEN, write


def made_by_a_run(backend: str, tmp: Path, value: str) -> tuple[str, str]:
    url = fresh_database_url(backend, tmp)
    server = start_server(url, tmp, "--seed", str(write(tmp)), "--random-seed", value)
    try:
        answer = requests.post(f"{server.url}/2010-04-01/Accounts.json", auth=(OWNER, OWNER_TOKEN),
                               data={"FriendlyName": "made in the run"}, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()["sid"], answer.json()["auth_token"]
    finally:
        stop_server(server)
        drop_database_url(backend, url)


def test_the_same_value_makes_the_same_sids(backend: str, tmp_path: Path) -> None:
    runs = [made_by_a_run(backend, _dir(tmp_path, name), value) for name, value in
            (("a", "ci-1"), ("b", "ci-1"), ("c", "ci-2"))]
    assert runs[0] == runs[1]
    assert runs[2][0] != runs[0][0] and runs[2][1] != runs[0][1]


def _dir(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.mkdir()
    return path
