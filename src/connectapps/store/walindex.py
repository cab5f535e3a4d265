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
import threading

HEADER_BYTES = 48  # one copy of WalIndexHdr; iChange (bytes 8-11) changes with every write of it


class Header:
    """A read-only view of one database's wal-index header, opened once the ``-shm`` file exists."""

    def __init__(self, database_path: str) -> None:
        self.path = f"{database_path}-shm"
        self._view: mmap.mmap | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Map the ``-shm`` file, if not yet (call it when a connection has opened the database in WAL mode)."""
        with self._lock:
            if self._view is not None:
                return
            with contextlib.suppress(OSError, ValueError):
                fd = os.open(self.path, os.O_RDONLY)
                try:
                    if os.fstat(fd).st_size >= HEADER_BYTES:
                        self._view = mmap.mmap(fd, HEADER_BYTES, mmap.MAP_SHARED, mmap.PROT_READ)
                finally:
                    os.close(fd)

    def read(self) -> bytes | None:
        """The header's bytes now, or None when there is no mapped header to read."""
        view = self._view
        if view is None:
            return None
        try:
            return view[:HEADER_BYTES]
        except ValueError:  # closed meanwhile (the store is closing)
            return None

    def close(self) -> None:
        with self._lock:
            view, self._view = self._view, None
            if view is not None:
                view.close()
