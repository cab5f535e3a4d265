"""Schemathesis against a real server: the Accounts, ConnectApps and AuthorizedConnectApps operations of
Twilio's spec (tests/spec/twilio_oai_fuzz.json), with valid credentials.

Three bounded runs: schema-valid data on real resources, schema-violating data on real resources, and
any data on any path (random SIDs). Any 5xx fails (``not_a_server_error``), so does any error answer
that is not Twilio's envelope (``twilio_error_envelope``, tests/fuzz/hooks.py), and so does every other
Schemathesis check except the spec quirks below, each switched off with its reason.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from connectapps.domain import authorizations, connect_apps
from tests.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "spec" / "twilio_oai_fuzz.json"
SEED_ENV = "CONNECTAPPS_FUZZ_SEED"
APP_INSTANCE = "/2010-04-01/Accounts/{AccountSid}/ConnectApps/{Sid}.json"
PATHS = (APP_INSTANCE,)  # the operations configured even without real resources

# Checks that contradict Twilio's documented behaviour, not ours alone.
EXCLUDED_CHECKS = {
    "status_code_conformance":
        "the spec declares only 2xx answers: every 4xx Twilio sends (20001, 20003, 20404, 20004 …) is undeclared",
    "positive_data_acceptance":
        "the spec's strings carry no constraints, while Twilio refuses control characters, illegal URL characters, "
        "a FriendlyName over 64 characters or reopening a closed account with 4xx",
    "negative_data_rejection":
        "Twilio ignores unknown parameters and takes an empty value as 'clear' (docs/compatibility.md), so some "
        "schema-violating requests succeed on purpose",
}
# Per operation: the spec's DELETE on a Connect App, which the documentation says is not supported (405).
ALLOW_QUIRK = "the spec lists DELETE on a Connect App; the documentation says it is not supported, so Allow omits it"
# The spec says ``format: uri`` (absolute) for URIs Twilio answers host-relative, as its documentation's samples.
URI_QUIRK = "uri, first_page_uri, next_page_uri and previous_page_uri are host-relative on Twilio too"

MAX_EXAMPLES = {"positive": 150, "negative": 150, "all": 40}


def host_relative_uris(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with every ``format: uri`` read as ``uri-reference`` (URI_QUIRK)."""
    def relax(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ("uri-reference" if k == "format" and v == "uri" else relax(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [relax(item) for item in node]
        return node

    relaxed: dict[str, Any] = relax(copy.deepcopy(spec))
    return relaxed


def toml(value: Any) -> str:
    """A TOML value for the config file (strings, booleans, integers and inline tables suffice)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return json.dumps(value)
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + " }"


def config(username: str, password: str, resources: dict[str, str] | None) -> str:
    """Schemathesis's configuration: credentials, the quirks, and (when given) real resources in the paths.
    Every check Schemathesis has is on unless switched off here."""
    lines = ["[cache]", "enabled = false", "", "[auth.basic]", f"username = {toml(username)}",
             f"password = {toml(password)}", ""]
    for check in EXCLUDED_CHECKS:
        lines += [f"[checks.{check}]", "enabled = false", ""]
    targets: dict[str, dict[str, str]] = {path: {} for path in PATHS}
    if resources is not None:
        targets = {
            "/2010-04-01/Accounts/{Sid}.json": {"path.Sid": resources["subaccount"]},
            "/2010-04-01/Accounts/{AccountSid}/ConnectApps.json": {"path.AccountSid": resources["account"]},
            APP_INSTANCE: {"path.AccountSid": resources["account"], "path.Sid": resources["app"]},
            "/2010-04-01/Accounts/{AccountSid}/AuthorizedConnectApps.json": {"path.AccountSid": resources["account"]},
            "/2010-04-01/Accounts/{AccountSid}/AuthorizedConnectApps/{ConnectAppSid}.json": {
                "path.AccountSid": resources["account"], "path.ConnectAppSid": resources["authorized"]},
        }
    for path, parameters in targets.items():
        lines += ["[[operations]]", f"include-path = {toml(path)}"]
        if parameters:
            lines.append(f"parameters = {toml(parameters)}")
        if path == APP_INSTANCE:  # ALLOW_QUIRK
            lines.append(f"checks = {toml({'allow_header_conformance': {'enabled': False}})}")
        lines.append("")
    return "\n".join(lines)


def seed(server: Server) -> tuple[Any, dict[str, str]]:
    """An account with a subaccount, its own Connect App, and another developer's app it authorized."""
    main = server.account("Fuzzed account")
    sub = server.account("Fuzzed subaccount", owner=main)
    developer = server.account("Developer")
    app = connect_apps.create(server.store, main.sid, {"friendly_name": "Fuzzed app", "permissions": ["get-all"]})
    granted = connect_apps.create(server.store, developer.sid, {
        "friendly_name": "Granted app", "authorize_redirect_url": "https://example.com/cb",
        "permissions": ["get-all", "post-all"]})
    authorizations.authorize(server.store, granted, main)
    return main, {"account": main.sid, "subaccount": sub.sid, "app": app.sid, "authorized": granted.sid}


@pytest.mark.parametrize("mode", ["positive", "negative", "all"])
def test_schemathesis_finds_no_server_error_and_only_twilio_envelopes(
    server: Server, tmp_path: Path, mode: str,
) -> None:
    main, resources = seed(server)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(host_relative_uris(json.loads(SPEC.read_text(encoding="utf-8")))), encoding="utf-8")
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(config(main.sid, main.auth_token, None if mode == "all" else resources), encoding="utf-8")
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(settings), "run", str(spec),
        "--url", server.url, "--mode", mode, "--max-examples", str(MAX_EXAMPLES[mode]),
        "--phases", "examples,coverage,fuzzing", "--workers", "2",
        "--seed", os.environ.get(SEED_ENV, "20260409"), "--generation-database", "none",
        "--request-timeout", "10", "--no-color", "--output-truncate", "false",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks"}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated is not None and int(generated.group(1)) > 0, run.stdout[-3000:]
    print(f"schemathesis {mode}: {generated.group(0)}; {run.stdout.strip().splitlines()[-1].strip('= ')}")
