"""Simulated lifecycles: a Message goes queued -> sent -> delivered, a Call queued -> in-progress -> completed.

Nothing is delivered or dialled: a new Message or Call is stored with its whole timeline, one step
every ``CONNECTAPPS_LIFECYCLE_SECONDS`` (default 0: immediate), and every read shows the step whose
time has come. The create answer always shows the first step (``queued``), as Twilio's does; with
the default, the next read shows the last (``delivered``, ``completed``). Lists filter on the last.
"""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectapps.domain.resources.records import iso

ENV = "CONNECTAPPS_LIFECYCLE_SECONDS"
TIMELINE = "_timeline"  # stored with the resource: [[ISO time, {property: value}], …]
MAX_STEP_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class Settings:
    step: timedelta = timedelta(0)

    @classmethod
    def from_env(cls) -> "Settings":
        raw = os.environ.get(ENV, "0") or "0"
        try:
            seconds = float(raw)
        except ValueError:
            raise ValueError(f"{ENV} must be a number of seconds, not {raw!r}") from None
        if not 0 <= seconds <= MAX_STEP_SECONDS:
            raise ValueError(f"{ENV} must be between 0 and {MAX_STEP_SECONDS:.0f}")
        return cls(timedelta(seconds=seconds))


def message_steps(start: datetime, settings: Settings) -> list[list[Any]]:
    sent = start + settings.step
    return [
        [iso(start), {"status": "queued", "date_sent": None}],
        [iso(sent), {"status": "sent", "date_sent": iso(sent)}],
        [iso(sent + settings.step), {"status": "delivered", "date_sent": iso(sent)}],
    ]


def call_steps(start: datetime, settings: Settings, *, ends: bool = True) -> list[list[Any]]:
    """A call's steps; ``ends=False`` for a call that waits in a queue until it is dequeued."""
    answered = start + settings.step
    steps: list[list[Any]] = [
        [iso(start), {"status": "queued", "start_time": None, "end_time": None, "duration": None}],
        [iso(answered), {"status": "in-progress", "start_time": iso(answered), "end_time": None,
                          "duration": None}],
    ]
    if ends:
        steps.append(hang_up(answered, answered + settings.step))
    return steps


def hang_up(answered: datetime | None, at: datetime, status: str = "completed") -> list[Any]:
    """The step that ends a call at ``at`` (answered at ``answered``, if it was)."""
    duration = str(int((at - answered).total_seconds())) if answered else "0"
    return [iso(at), {"status": status, "start_time": iso(answered) if answered else None,
                       "end_time": iso(at), "duration": duration}]


def begin(data: dict[str, Any], steps: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """``data`` with its timeline, its stored state that of the last step (what lists filter on)."""
    return {**data, **steps[-1][1], TIMELINE: [list(s) for s in steps]}


def current(data: Mapping[str, Any], now: datetime, *, initial: bool = False) -> tuple[dict[str, Any], str | None]:
    """The properties as of ``now`` (or as created), and the time of the step shown (None: no timeline)."""
    steps = data.get(TIMELINE)
    if not steps:
        return dict(data), None
    at = iso(now)
    due = [s for s in steps if s[0] <= at] or steps[:1]
    shown = steps[0] if initial else due[-1]
    return {**data, **shown[1]}, shown[0]


def end(data: Mapping[str, Any], now: datetime, step: list[Any]) -> dict[str, Any]:
    """The timeline cut at ``now`` and ended by ``step`` (a call hung up, a message canceled)."""
    at = iso(now)
    steps = [s for s in data.get(TIMELINE, ()) if s[0] <= at]
    return begin(dict(data), [*steps, step])


def answered_at(data: Mapping[str, Any], now: datetime) -> datetime | None:
    """When a call was answered, if it has been by ``now``."""
    shown, _ = current(data, now)
    start = shown.get("start_time")
    return datetime.fromisoformat(start) if isinstance(start, str) else None
