"""The ledger's start-up shortcut: which migrations a log has applied, without sqlite-utils.

The log's schema migrations are sqlite-utils ``Migrations``; sqlite-utils records the ones
applied in its table ``_sqlite_migrations``. Importing sqlite-utils costs about a quarter
of the time of ``infoshare log -n 20``, and every command that opens the log asks whether
a migration is pending. So :class:`LightMigrations` registers the migrations itself and
reads that table with plain SQL; the real ``Migrations`` is only built (and sqlite-utils
imported) when a migration is applied, or when ``applied`` is asked for. This reads
sqlite-utils' private record of what it did: tests/test_performance.py checks that it
agrees with sqlite-utils' own ``Migrations.applied`` and ``pending``, so an sqlite-utils
that keeps its record differently fails the tests rather than the log.

The other start-up shortcuts, and why they are fenced, are in
:mod:`infoshare_cli.cli.startup_shortcuts` (the ledger may not import the CLI).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

MIGRATIONS_TABLE = "_sqlite_migrations"  # where sqlite-utils records applied migrations


class LightMigrations:
    """A set of migrations, registered as with sqlite-utils' ``Migrations``."""

    migrations_table = MIGRATIONS_TABLE

    def __init__(self, name: str):
        self.name = name
        self._registered: list[tuple[str, Callable, bool]] = []
        self._real: Migrations | None = None

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable:
        def inner(fn: Callable) -> Callable:
            if self._real is not None:
                raise RuntimeError("migrations are registered when ledger.schema is imported")
            self._registered.append((name or fn.__name__, fn, transactional))
            return fn

        return inner

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self._registered]

    def applied_names(self, conn: sqlite3.Connection) -> list[str]:
        """Names of this set's applied migrations, oldest first (read with plain SQL)."""
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
        ).fetchone()
        if not exists:
            return []
        rows = conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
            (self.name,),
        )
        return [name for (name,) in rows]

    def pending_names(self, conn: sqlite3.Connection) -> list[str]:
        applied = set(self.applied_names(conn))
        return [name for name in self.names if name not in applied]

    # -- what needs sqlite-utils itself

    def real(self) -> Migrations:
        """The same migrations as sqlite-utils' ``Migrations`` (imports sqlite-utils)."""
        if self._real is None:
            from sqlite_utils.migrations import Migrations

            real = Migrations(self.name)
            for name, fn, transactional in self._registered:
                real(name=name, transactional=transactional)(fn)
            self._real = real
        return self._real

    def apply(
        self, db: sqlite_utils.Database, *, stop_before: str | Iterable[str] | None = None
    ) -> None:
        self.real().apply(db, stop_before=stop_before)

    def applied(self, db: sqlite_utils.Database) -> list[Any]:
        return self.real().applied(db)

    def pending(self, db: sqlite_utils.Database) -> list[Any]:
        return self.real().pending(db)

    def __repr__(self) -> str:
        return f"<Migrations {self.name!r}: [{', '.join(self.names)}]>"
