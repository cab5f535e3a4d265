"""The pytest plugin, as another project uses it: pytest's own ``pytester`` runs a suite written only
against the plugin's fixtures, in a separate process (the plugin is loaded through its entry point)."""

import re
from pathlib import Path

import pytest

FLOW = '''
from urllib.parse import parse_qs, urlsplit

from connectapps.testing import CONNECT_APP_SID, CUSTOMER_EMAIL, CUSTOMER_SID, DEVELOPER_SID, DEVELOPER_TOKEN


def test_the_whole_connect_flow(connectapps, connectapps_authorize, connectapps_callbacks):
    connectapps_callbacks.attach(CONNECT_APP_SID)
    answer = connectapps_authorize(CONNECT_APP_SID, user=CUSTOMER_EMAIL, state="s-1")
    query = parse_qs(urlsplit(answer["redirect_url"]).query)
    assert query["state"] == ["s-1"] and query["AccountSid"] == [answer["account_sid"]]
    acting = connectapps.client(answer["account_sid"], DEVELOPER_TOKEN)
    assert acting.api.v2010.accounts(answer["account_sid"]).fetch().owner_account_sid == CUSTOMER_SID
    connectapps.deauthorize(CONNECT_APP_SID, CUSTOMER_SID)
    connectapps.deliver_callbacks()
    (callback,) = connectapps_callbacks.wait(1)
    assert callback.signature_valid
    assert (callback.account_sid, callback.connect_app_sid) == (answer["account_sid"], CONNECT_APP_SID)


def test_a_change(connectapps_client):
    app = connectapps_client.api.v2010.accounts(DEVELOPER_SID).connect_apps(CONNECT_APP_SID)
    assert app.update(friendly_name="Changed").friendly_name == "Changed"


def test_each_test_starts_from_the_seed(connectapps_client, connectapps):
    app = connectapps_client.api.v2010.accounts(DEVELOPER_SID).connect_apps(CONNECT_APP_SID).fetch()
    assert app.friendly_name == "Example Connect App"
    assert connectapps.requests() == [connectapps.requests()[0]]  # the journal starts empty too
'''


def test_a_suite_written_against_the_plugin_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_flow=FLOW)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_failing_test_still_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fail='''
from connectapps.testing import DEVELOPER_SID

def test_wrong(connectapps_client):
    assert connectapps_client.api.v2010.accounts(DEVELOPER_SID).fetch().friendly_name == "Not this"
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError*"])


def test_the_seed_fixture_is_overridden_in_a_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
import pytest

@pytest.fixture(scope="session")
def connectapps_seed():
    return {"accounts": [{"sid": "AC" + "5" * 32, "auth_token": "mine-token-0001"}],
            "connect_apps": [{"sid": "CN" + "5" * 32, "account_sid": "AC" + "5" * 32, "friendly_name": "Mine"}]}

@pytest.fixture(scope="session")
def connectapps_options():
    return {"random_seed": "fixed"}
''')
    pytester.makepyfile(test_mine='''
def test_mine(connectapps, connectapps_client):
    assert connectapps.account_sid == "AC" + "5" * 32
    apps = connectapps_client.api.v2010.accounts(connectapps.account_sid).connect_apps.list()
    assert [a.friendly_name for a in apps] == ["Mine"]
    print("made:", connectapps_client.api.v2010.accounts.create(friendly_name="sub").sid)
''')
    first = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    first.assert_outcomes(passed=1)
    second = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    made = re.findall(r"made: (AC[0-9a-f]{32})", first.stdout.str())
    assert len(made) == 1 and made == re.findall(r"made: (AC[0-9a-f]{32})", second.stdout.str())  # random_seed


def test_no_server_starts_unless_a_fixture_asks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    import threading\n"
                        "    assert not [t for t in threading.enumerate() if t.name.startswith('connectapps')]\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_five_minute_test_in_docs_testing_md_passes(pytester: pytest.Pytester) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "testing.md").read_text()
    (first,) = re.findall(r"```python\n(# test_connect\.py\n.*?)```", text, re.DOTALL)
    pytester.makepyfile(test_connect=first)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
