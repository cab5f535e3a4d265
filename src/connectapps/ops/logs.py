"""The server's log: one JSON object per line (or plain text), for requests and the server's own events.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``event`` and ``message``; an event
adds its own fields (``extra={"event": ..., "fields": {...}}``). Granian's own lines (start, workers,
stop) go through the same handler, so an operator's collector reads one format.

Settings: ``--log-format json|text`` (``CONNECTAPPS_LOG_FORMAT``, default json) and ``--log-level``
(``CONNECTAPPS_LOG_LEVEL``, default info; ``warning`` turns the access log off).
"""

import logging
import logging.config
import os
from datetime import UTC, datetime
from typing import Any

import orjson

FORMAT_ENV = "CONNECTAPPS_LOG_FORMAT"
LEVEL_ENV = "CONNECTAPPS_LOG_LEVEL"
FORMATS = ("json", "text")
LEVELS = ("debug", "info", "warning", "error", "critical")
_BASE_KEYS = ("time", "level", "logger", "event", "message")
_ROOT = logging.getLogger("connectapps")  # the loggers below it propagate to its handlers


def log_format() -> str:
    value = os.environ.get(FORMAT_ENV, "").strip().lower() or "json"
    if value not in FORMATS:
        raise ValueError(f"{FORMAT_ENV} must be json or text, not {value!r}")
    return value


def log_level() -> str:
    value = os.environ.get(LEVEL_ENV, "").strip().lower() or "info"
    if value not in LEVELS:
        raise ValueError(f"{LEVEL_ENV} must be one of {', '.join(LEVELS)}, not {value!r}")
    return value


def _entry(record: logging.LogRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "event": getattr(record, "event", "message"),
        "message": record.getMessage(),
    }
    fields = getattr(record, "fields", None)
    if fields:
        entry.update((key, value) for key, value in fields.items() if key not in _BASE_KEYS)
    return entry


# Characters JSON leaves as they are but line readers (Python's splitlines, many log shippers) take for a
# line break: a path a stranger sent must not split its log line in two.
_LINE_BREAKS = ((b"\xc2\x85", b"\\u0085"), (b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def json_line(entry: dict[str, Any]) -> bytes:
    """``entry`` as one line of JSON, whatever its strings hold."""
    data = orjson.dumps(entry, default=str)
    if b"\xc2\x85" in data or b"\xe2\x80" in data:
        for raw, escaped in _LINE_BREAKS:
            data = data.replace(raw, escaped)
    return data


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback goes in ``exception`` (it names code, never request data)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = _entry(record)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json_line(entry).decode()


class TextFormatter(logging.Formatter):
    """``time level logger: message key=value …`` for a person reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        entry = _entry(record)
        extra = " ".join(f"{key}={value}" for key, value in entry.items() if key not in _BASE_KEYS)
        line = f"{entry['time']} {entry['level'].upper()} {entry['logger']}: {entry['message']}"
        line = f"{line} {extra}" if extra else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def dict_config(fmt: str, level: str) -> dict[str, Any]:
    """The logging configuration for this process and Granian's (which applies it in every worker)."""
    formatter = JsonFormatter if fmt == "json" else TextFormatter
    handler = {"handlers": ["console"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}},
        "loggers": {
            "connectapps": handler,
            "_granian": handler,
            "granian.access": {**handler, "level": "WARNING"},  # the access log is ours
        },
    }


def configure() -> dict[str, Any]:
    """Apply the settings from the environment to this process; the configuration, for Granian."""
    config = dict_config(log_format(), log_level())
    logging.config.dictConfig(config)
    return config


def _write(handler: logging.Handler, line: bytes) -> None:
    """Straight to the stream's descriptor (after what its buffer holds): a line-buffered text stream
    costs several times the system call itself."""
    stream = handler.stream  # type: ignore[attr-defined]
    with handler.lock:  # type: ignore[union-attr]
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a file (a test's capture): its own write
            stream.write(line.decode())
            stream.flush()
            return
        stream.flush()
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view):]


def write_access(logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
    """The access log's hot path: where its handlers write JSON to a stream, the same line the
    formatter would make, written without a ``LogRecord`` (a third of the cost); else ``logger.info``."""
    handlers = _ROOT.handlers
    if all(type(handler.formatter) is JsonFormatter and isinstance(handler, logging.StreamHandler)
           for handler in handlers):
        entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": "info",
                 "logger": logger.name, "event": "request", "message": message, **fields}
        line = json_line(entry) + b"\n"
        for handler in handlers:
            _write(handler, line)
        return
    logger.info(message, extra={"event": "request", "fields": fields})


def event(logger: logging.Logger, level: int, name: str, message: str, **fields: Any) -> None:
    """Log one of the server's own events with its fields."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={"event": name, "fields": fields})
