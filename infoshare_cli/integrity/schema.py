"""The log's schema: tables, views, indexes and triggers as the tool made them."""

from __future__ import annotations

import sqlite3
from functools import lru_cache

from sqlite_utils.migrations import Migrations

from infoshare_cli.integrity.report import Problem
from infoshare_cli.ledger.entries import MIGRATION_SET
from infoshare_cli.ledger.schema import migrations

# --- the schema -----------------------------------------------------------------------------


def _normal_sql(sql: str | None) -> str:
    return " ".join((sql or "").split())


@lru_cache(maxsize=8)
def _expected_schema(applied: frozenset[str]) -> dict[tuple[str, str], str]:
    """Every schema object a log with these migrations applied has, from a fresh memory log."""
    import sqlite_utils

    db = sqlite_utils.Database(memory=True)
    pending = [m.name for m in migrations._migrations if m.name not in applied]
    migrations.apply(db, stop_before=pending or None)
    rows = db.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    expected = {(t, n): _normal_sql(s) for t, n, s in rows}
    db.close()
    return expected


def _applied_migrations(conn: sqlite3.Connection) -> frozenset[str]:
    try:
        rows = conn.execute(
            f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ?",
            (MIGRATION_SET,),
        ).fetchall()
    except sqlite3.DatabaseError:
        return frozenset()
    return frozenset(str(r[0]) for r in rows)


def _schema_problems(conn: sqlite3.Connection) -> list[Problem]:
    expected = _expected_schema(_applied_migrations(conn))
    actual = {
        (t, n): (_normal_sql(s), table)
        for t, n, s, table in conn.execute(
            "SELECT type, name, sql, tbl_name FROM sqlite_master WHERE sql IS NOT NULL"
        )
    }
    found: list[Problem] = []
    for (kind, name), sql in expected.items():
        if (kind, name) not in actual:
            if kind == "trigger":
                detail = (
                    f"the safeguard '{name}', which stops entries being changed or deleted, "
                    "has been removed from the log file — someone switched it off, and "
                    "entries may have been altered."
                )
            else:
                detail = f"the {kind} '{name}' is missing from the log file."
            found.append(Problem("schema", detail))
        elif actual[(kind, name)][0] != sql:
            if kind == "trigger":
                detail = (
                    f"the safeguard '{name}' has been altered, so it may no longer stop "
                    "entries being changed or deleted."
                )
            else:
                detail = f"the {kind} '{name}' has been altered from what infoshare made."
            found.append(Problem("schema", detail))
    for (kind, name), (_sql, table) in actual.items():
        if kind == "trigger" and (kind, name) not in expected:
            found.append(
                Problem(
                    "schema",
                    f"there is an extra trigger '{name}' on '{table}' that infoshare did not "
                    "make; it could change what is written.",
                )
            )
    return found


def _integrity(conn: sqlite3.Connection) -> list[str]:
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows[:20]
