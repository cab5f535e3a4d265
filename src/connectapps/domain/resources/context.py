"""One call on the engine: the store, the operation, the authorized account, the path, the time."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connectapps.domain.models import Account
from connectapps.domain.resources.contract import Operation
from connectapps.domain.resources.lifecycle import Settings
from connectapps.domain.store import ResourceStore

Params = Mapping[str, Sequence[str]]
"""A request's parameters by wire name, every value in order (as forms.parse_form gives them)."""


@dataclass(frozen=True, slots=True)
class Call:
    store: ResourceStore
    op: Operation
    account: Account
    path: Mapping[str, str]  # by spec parameter name: {"CallSid": "CA…", "Sid": "RE…"}
    settings: Settings
    now: datetime

    @property
    def scope(self) -> str:
        """The SID of the innermost parent ('' at the account level)."""
        return self.path[self.op.ancestors[-1].param] if self.op.ancestors else ""

    @property
    def identity(self) -> str:
        assert self.op.identity_param is not None
        return self.path[self.op.identity_param]


def call(store: ResourceStore, op: Operation, account: Account, path: Mapping[str, str], settings: Settings) -> Call:
    return Call(store, op, account, path, settings, datetime.now(UTC))
