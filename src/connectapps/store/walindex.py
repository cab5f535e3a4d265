"""Whether anything committed to a SQLite database since a thread last looked, without asking SQLite.

In WAL mode every connection to a database shares its wal-index, the ``<database>-shm`` file each
maps into memory. Its first 48 bytes are the wal-index header (https://www.sqlite.org/walformat.html,
"The WAL-Index Header"), which every commit rewrites before it returns, with ``iChange`` counted up
(and a checkpoint that restarts the log rewrites it too). So when those bytes are what they were,
nothing has committed since, and ``PRAGMA data_version`` would answer what it answered then.

Why not just ask: the ``PRAGMA`` is a SQLite statement, and Python's sqlite3 module lets go of the
GIL around every statement. Under Granian, the HTTP thread is waiting for the GIL at that moment,
so each statement costs two context switches on the request's core — more than the rest of a cached
fetch (docs/benchmarks.md). Reading 48 bytes of shared memory costs a fraction of a microsecond.

When the header cannot be read (no ``-shm`` file: not WAL, an in-memory database, a VFS that keeps
the wal-index in heap memory), ``Header.read`` answers ``None`` and the caller asks SQLite every time.
"""

import contextlib
import mmap
import os
import sys
import threading
from dataclasses import dataclass

HEADER_BYTES = 48  # one copy of WalIndexHdr; iChange (bytes 8-11) changes with every write of it
_MX_FRAME = slice(16, 20)  # mxFrame: the frames in the log now (native byte order)
# After the header's two copies comes the checkpoint information, which opens with nBackfill: how many of
# the log's frames a checkpoint has copied into the database ("The WAL-Index Header", same page).
_N_BACKFILL = slice(96, 100)
MAPPED_BYTES = 136  # the two copies of the header and the checkpoint information


@dataclass
class _Mapping:
    fd: int
    view: mmap.mmap
    users: int


# One mapping per ``-shm`` file per process, closed only when the last store using it closes.
#
# Why: SQLite's locks on the wal-index are POSIX record locks, which belong to the process and which
# the kernel drops — all of them, whoever took them — when the process closes *any* descriptor of that
# file. Closing our own descriptor (or the one ``mmap`` keeps) while SQLite's connections are open
# would drop their locks, among them the one that tells another process "the wal-index is in use":
# the next connection from elsewhere (a second worker, the command line, a backup) would then take
# itself for the first, truncate the ``-shm`` file under our mappings (SIGBUS) and rebuild it.
_mappings: dict[str, _Mapping] = {}
_mappings_lock = threading.Lock()


class Header:
    """A read-only view of one database's wal-index header, opened once the ``-shm`` file exists."""

    def __init__(self, database_path: str) -> None:
        self.path = os.path.realpath(f"{database_path}-shm")
        self._view: mmap.mmap | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Map the ``-shm`` file, if not yet (call it when a connection has opened the database in WAL mode:
        SQLite then keeps the file while the connection lives)."""
        with self._lock:
            if self._view is not None:
                return
            with _mappings_lock:
                mapping = _mappings.get(self.path) or _map(self.path)
                if mapping is None:
                    return
                mapping.users += 1
                _mappings[self.path] = mapping
                self._view = mapping.view

    def read(self) -> bytes | None:
        """The header's bytes now, or None when there is no mapped header to read."""
        return self._bytes(HEADER_BYTES)

    def _bytes(self, count: int) -> bytes | None:
        view = self._view
        if view is None:
            return None
        try:
            return view[:count]
        except ValueError:  # closed meanwhile (the store is closing)
            return None

    def frames(self) -> int | None:
        """How many frames (pages written) the log holds now, or None when the header cannot be read."""
        header = self.read()
        return None if header is None else int.from_bytes(header[_MX_FRAME], sys.byteorder)

    def backlog(self) -> int | None:
        """How many of the log's frames no checkpoint has copied into the database yet, or None when the
        header cannot be read."""
        index = self._bytes(MAPPED_BYTES)
        if index is None:
            return None
        frames = int.from_bytes(index[_MX_FRAME], sys.byteorder)
        return max(frames - int.from_bytes(index[_N_BACKFILL], sys.byteorder), 0)

    def close(self) -> None:
        """Stop using the mapping; call it once this store's connections are closed. The last user closes
        the mapping and its descriptors, when no store of this process has the database open."""
        with self._lock:
            if self._view is None:
                return
            self._view = None
            with _mappings_lock:
                mapping = _mappings[self.path]
                mapping.users -= 1
                if mapping.users == 0:
                    del _mappings[self.path]
                    mapping.view.close()
                    os.close(mapping.fd)


def _map(path: str) -> _Mapping | None:
    """The first ``MAPPED_BYTES`` of ``path`` mapped read-only, or None if it cannot be (yet)."""
    with contextlib.suppress(OSError, ValueError):
        fd = os.open(path, os.O_RDONLY)
        try:
            if os.fstat(fd).st_size >= MAPPED_BYTES:
                return _Mapping(fd, mmap.mmap(fd, MAPPED_BYTES, mmap.MAP_SHARED, mmap.PROT_READ), 0)
        except (OSError, ValueError):
            pass
        # Too short to map: a wal-index SQLite has not set up yet (it is 32 KiB once a connection of this
        # process has read in WAL mode, which is when ``open`` is called), so no lock of ours is on it yet.
        os.close(fd)
    return None
