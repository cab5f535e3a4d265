"""The server's log: one JSON object per line (or plain text), for requests and the server's own events.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``event`` and ``message``; an event
adds its own fields (``extra={"event": ..., "fields": {...}}``). Granian's own lines (start, workers,
stop) go through the same handler, so an operator's collector reads one format.

Settings: ``--log-format json|text`` (``CONNECTAPPS_LOG_FORMAT``, default json) and ``--log-level``
(``CONNECTAPPS_LOG_LEVEL``, default info; ``warning`` turns the access log off).
"""

import atexit
import logging
import logging.config
import os
import threading
import time
from datetime import UTC, datetime
from typing import Any

import orjson

FORMAT_ENV = "CONNECTAPPS_LOG_FORMAT"
LEVEL_ENV = "CONNECTAPPS_LOG_LEVEL"
FORMATS = ("json", "text")
LEVELS = ("debug", "info", "warning", "error", "critical")
_BASE_KEYS = ("time", "level", "logger", "event", "message")
ACCESS_FLUSH_S = 0.1
ACCESS_BUFFER_MAX = 64 * 1024
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


def json_line(entry: dict[str, Any], newline: bool = False) -> bytes:
    """``entry`` as one line of JSON, whatever its strings hold (ended by ``\n`` if ``newline``)."""
    data = orjson.dumps(entry, default=str, option=orjson.OPT_APPEND_NEWLINE if newline else None)
    if not data.isascii():  # the breaks are multi-byte: an ASCII line has none (a tenth of the cost of looking)
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
        "handlers": {"console": {"class": f"{StreamHandler.__module__}.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}},
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


def _write(handler: logging.Handler, line: bytes | memoryview) -> None:
    """Straight to the stream's descriptor (after what its buffer holds): a line-buffered text stream
    costs several times the system call itself."""
    stream = handler.stream  # type: ignore[attr-defined]
    with handler.lock:  # type: ignore[union-attr]
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a file (a test's capture): its own write
            stream.write(str(line, "utf-8"))
            stream.flush()
            return
        stream.flush()
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view):]


def write_access(logger: logging.Logger, entry: dict[str, Any]) -> None:
    """The access log's hot path. ``entry`` is the whole line, as the formatter would make it: ``time``
    (``now()``), ``level``, ``logger``, ``event`` and ``message``, then the request's fields (one dict made
    once: merging the fields into a second one cost a tenth of the line). Where the log's handlers write
    JSON to a stream, it is written as it is, without a ``LogRecord`` (a third of the cost), with the lines
    of the next ``ACCESS_FLUSH_S`` (``_AccessLines``); else it goes through ``logger.info``."""
    if _json_streams_only():
        _access_lines.add(json_line(entry, newline=True))
        return
    fields = {key: value for key, value in entry.items() if key not in _BASE_KEYS}  # the record has its own
    logger.info(entry["message"], extra={"event": entry["event"], "fields": fields})


_checked: tuple[list[logging.Handler], bool] = ([], False)


def _json_streams_only() -> bool:
    """Whether every handler of the log writes JSON to a stream (checked again when they change)."""
    global _checked
    handlers, answer = _checked
    if handlers != _ROOT.handlers:
        handlers = list(_ROOT.handlers)
        answer = bool(handlers) and all(type(handler.formatter) is JsonFormatter
                                        and isinstance(handler, logging.StreamHandler) for handler in handlers)
        _checked = (handlers, answer)
    return answer


_second: tuple[int, str] = (-1, "")
_milli: tuple[int, str] = (-1, "")


def now() -> str:
    """UTC now as the formatter writes it (``2026-12-05T08:52:02.873+00:00``): the date and time made once
    a second, the whole text once a millisecond (a busy server logs dozens of lines in one)."""
    global _second, _milli
    milli = time.time_ns() // 1_000_000
    if _milli[0] == milli:
        return _milli[1]
    whole = milli // 1000
    if _second[0] != whole:
        _second = (whole, datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    text = f"{_second[1]}.{milli % 1000:03d}+00:00"
    _milli = (milli, text)
    return text


class _AccessLines:
    """Access lines waiting to be written, written together at most ``ACCESS_FLUSH_S`` after the
    first of them (by a thread of this process) or as soon as the next would take more than
    ``ACCESS_BUFFER_MAX`` bytes.

    A write to the log is a system call, which lets go of the GIL for Granian's HTTP thread to take;
    batched, a busy server makes ten a second (with the time stamp made once a second, the log's
    in-process cost went from +6.6 to +4.9 µs a request: docs/deployment.md). The price: a
    process killed with SIGKILL loses up to ``ACCESS_FLUSH_S`` of access lines (a stop, a restart
    or an uncaught error writes them first; docs/deployment.md). Any other log line writes the
    waiting access lines before itself (``StreamHandler``), so the log stays in order.

    The lines wait as bytes copied into one of two buffers made once (one fills while the other is
    written), not as an object each: kept ~150 at a time, each of orjson's lines pinned a 4 KiB block
    of the C heap, which glibc's main arena gave back to the system after every write and took again
    for the next lines (six ``brk`` calls a batch; docs/benchmarks.md). Granian's request
    threads allocate from other arenas, which did not trim; there the copy costs what the list did.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the filling buffer
        self._writing = threading.Lock()  # one batch at a time, in order; guards the spare buffer
        # Views of the buffers: assigning into a view's slice costs half what a bytearray's does.
        self._filling, self._spare = memoryview(bytearray(ACCESS_BUFFER_MAX)), memoryview(bytearray(ACCESS_BUFFER_MAX))
        self._used = 0
        self._flusher: threading.Thread | None = None
        os.register_at_fork(after_in_child=self._forked)

    def add(self, line: bytes) -> None:
        if len(line) > ACCESS_BUFFER_MAX:  # longer than a whole buffer: after what waits, alone
            with self._writing:
                self._write_waiting()
                _write_all(line)
            return
        while True:
            self._lock.acquire()  # not ``with``: ~2,000 instructions against ~900 (docs/benchmarks.md)
            try:
                end = self._used + len(line)
                if end <= ACCESS_BUFFER_MAX:
                    self._filling[self._used:end] = line
                    self._used = end
                    if self._flusher is None:  # the first line of this process
                        self._flusher = threading.Thread(target=self._flush_forever, name="access-log", daemon=True)
                        self._flusher.start()
                    return
            finally:
                self._lock.release()
            self.flush()  # no room for it: what waits goes first

    def flush(self) -> None:
        """Write what waits, now."""
        with self._writing:
            self._write_waiting()

    def _write_waiting(self) -> None:
        """The filling buffer becomes the spare and is written (with ``_writing`` held)."""
        with self._lock:
            used, self._used = self._used, 0
            written, self._filling, self._spare = self._filling, self._spare, self._filling
        if used:
            _write_all(written[:used])

    def _forked(self) -> None:
        """A child process starts with its own lines and needs its own thread (the parent's is not in it)."""
        self._lock, self._writing = threading.Lock(), threading.Lock()
        self._used, self._flusher = 0, None

    def _flush_forever(self) -> None:
        while True:
            time.sleep(ACCESS_FLUSH_S)
            try:
                self.flush()
            except Exception:  # the log must never take the thread down; the next flush retries
                continue


def _write_all(data: bytes | memoryview) -> None:
    for handler in _ROOT.handlers:
        _write(handler, data)


_access_lines = _AccessLines()
flush_access = _access_lines.flush
atexit.register(flush_access)


class StreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The console handler: writes the waiting access lines before a line of its own."""

    def handle(self, record: logging.LogRecord) -> bool:
        _access_lines.flush()  # before taking this handler's lock, which a flush takes too
        return bool(super().handle(record))


def event(logger: logging.Logger, level: int, name: str, message: str, **fields: Any) -> None:
    """Log one of the server's own events with its fields."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={"event": name, "fields": fields})
