"""Migrations: the numbered SQL files in migrations/, found and applied in one place.

Several processes starting together wait for each other (one transaction; on PostgreSQL also an
advisory lock), so each migration runs exactly once.
"""

import re
from collections.abc import Iterator
from importlib import resources

from connectapps.domain.store import SchemaStore
from connectapps.store.base import Run, SqlBase

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> Iterator[tuple[int, str]]:
    """(version, SQL) for every migration file, in order."""
    folder = resources.files("connectapps.store") / "migrations"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            yield int(match.group(1)), entry.read_text(encoding="utf-8")


def split_statements(script: str) -> list[str]:
    """A migration file's statements (no semicolons inside statements in our migrations)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]


class SchemaSql(SqlBase, SchemaStore):
    """The SchemaStore role's migrations; a backend overrides the dialect's statements below."""

    table_exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    schema_migrations_ddl = (
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    record_migration_sql = "INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))"

    def _lock_for_migrations(self, run: Run) -> None:
        """Serialise migrators beyond what the transaction itself does (PostgreSQL: an advisory lock)."""

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet, in one transaction; return their versions."""
        applied: list[int] = []
        with self._transaction() as run:
            self._lock_for_migrations(run)
            run(self.schema_migrations_ddl, ())
            done = {row[0] for row in run("SELECT version FROM schema_migrations", ())}
            for version, script in migrations():
                if version in done:
                    continue
                for statement in split_statements(script):
                    run(statement, ())
                run(self.record_migration_sql, (version,))
                applied.append(version)
        return applied

    def schema_version(self) -> int:
        """The highest migration applied; 0 on a database never migrated."""
        if not self._query(self.table_exists_sql, ("schema_migrations",)):
            return 0
        return int(self._query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0])
