"""The log's schema: tables, views, indexes and triggers as the tool made them."""

from __future__ import annotations

import sqlite3

from infoshare_cli.domain.text import displayable
from infoshare_cli.domain.words import counted
from infoshare_cli.integrity.expected_schema import (
    ADDED_BY,
    CACHE_OBJECTS,
    EXPECTED_MIGRATIONS,
    EXPECTED_OBJECTS,
    RETIRED_OBJECTS,
    SAFEGUARDS_COMPLETE_AT,
)
from infoshare_cli.integrity.report import Problem
from infoshare_cli.ledger.entries import MIGRATION_SET
from infoshare_cli.ledger.schema import MIGRATIONS_TABLE

# --- the schema -----------------------------------------------------------------------------


def _normal_sql(sql: object) -> str | None:
    if sql is None:
        return None
    return " ".join(sql.split()) if isinstance(sql, str) else repr(sql)


def _shown(name: object) -> str:
    """An object's name from the file, safe to print (it could hold anything)."""
    text = name if isinstance(name, str) else repr(name)
    return displayable(text[:60] + ("…" if len(text) > 60 else ""))


# SQLite's own query-planner statistics (made by ANALYZE or `PRAGMA optimize`, which the
# benchmarks and SQLite tools run). They can only change how fast a query runs, never what
# it returns or whether a row can be written, so they are not a finding.
_SQLITE_STATISTICS = {("table", "sqlite_stat1"), ("table", "sqlite_stat4")}

_EXTRA = {
    "trigger": "there is an extra trigger '{name}' on '{table}' that infoshare did not make; "
    "it could change what is written.",
    "index": "there is an extra index '{name}' on '{table}' that infoshare did not make; an "
    "index can stop new entries being written (the log freezes) or change what a search finds.",
    "table": "there is an extra table '{name}' that infoshare did not make; it is not part of "
    "the record, and nothing in it can be trusted.",
    "view": "there is an extra view '{name}' that infoshare did not make; a program reading "
    "the log through it could be shown something other than the entries.",
}


def _schema_problems(conn: sqlite3.Connection) -> list[Problem]:
    """The log's schema against the literal in ``expected_schema``: every object, exactly."""
    actual: dict[tuple[object, object], tuple[object, str | None]] = {
        (t, n): (table, _normal_sql(sql))
        for t, n, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    }
    found: list[Problem] = []
    retired = _not_yet_retired(conn)
    not_yet = {key for name in not_yet_applied(conn) for key in ADDED_BY[name]}
    for (kind, name), (table, sql) in EXPECTED_OBJECTS.items():
        if (kind, name) in not_yet and (kind, name) not in actual:
            continue  # added by a migration this older log has not had yet
        if (kind, name) in CACHE_OBJECTS and (kind, name) not in actual:
            continue  # a cache: losing it costs time, never trust
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
        elif (
            actual[(kind, name)] != (table, sql)
            and retired.get((kind, name)) != actual[(kind, name)]
        ):  # a replaced object is as the older migration made it until its replacement runs
            if kind == "trigger":
                detail = (
                    f"the safeguard '{name}' has been altered, so it may no longer stop "
                    "entries being changed or deleted."
                )
            else:
                detail = f"the {kind} '{name}' has been altered from what infoshare made."
            found.append(Problem("schema", detail))
    # What the file holds may be anything (objects, not the expected strings).
    for (file_kind, file_name), (file_table, file_sql) in actual.items():
        key = (file_kind, file_name)
        if key in EXPECTED_OBJECTS or key in _SQLITE_STATISTICS:
            continue
        if (
            isinstance(file_kind, str)
            and isinstance(file_name, str)
            and retired.get((file_kind, file_name)) == (file_table, file_sql)
        ):
            continue  # made by an old migration, dropped by one this log has not had yet
        template = _EXTRA.get(file_kind) if isinstance(file_kind, str) else None
        if template is None:
            template = "there is an extra object '{name}' that infoshare did not make."
        found.append(
            Problem("schema", template.format(name=_shown(file_name), table=_shown(file_table)))
        )
    found += _migration_problems(conn)
    return found


def _not_yet_retired(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Objects a later migration drops, which a log not yet brought up to date still has
    (verify never changes a log: an old one keeps them until another command opens it)."""
    try:
        applied = {
            name
            for (name,) in conn.execute(
                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", (MIGRATION_SET,)
            )
        }
    except sqlite3.DatabaseError:
        return {}
    kept: dict[tuple[str, str], tuple[str, str | None]] = {}
    for migration, objects in RETIRED_OBJECTS.items():
        if migration not in applied:
            kept.update(objects)
    return kept


def not_yet_applied(conn: sqlite3.Connection) -> list[str]:
    """This version's migrations an older log has not had yet, when that is all that differs
    and it already has every safeguard; [] otherwise (including when the table was edited:
    ``_migration_problems`` says so)."""
    try:
        rows = conn.execute(
            f"SELECT migration_set, name FROM {MIGRATIONS_TABLE} ORDER BY id"
        ).fetchall()
    except sqlite3.DatabaseError:
        return []
    ours = [name for migration_set, name in rows if migration_set == MIGRATION_SET]
    expected = list(EXPECTED_MIGRATIONS)
    if (
        ours == expected
        or ours != expected[: len(ours)]
        or SAFEGUARDS_COMPLETE_AT not in ours
        or any(name not in ADDED_BY for name in expected[len(ours) :])
    ):
        return []
    pending = expected[len(ours) :]
    if "0004_keys" in pending:  # an older log cannot hold what only 0004 can open
        sealed = conn.execute(  # content, or a staff entry witnessing a key, of 0004 or later
            "SELECT 1 FROM entries WHERE json_valid(payload) AND ("
            "json_extract(payload, '$.sealed') IS NOT NULL "
            "OR json_extract(payload, '$.data_key') IS NOT NULL "
            "OR json_extract(payload, '$.reading_key') IS NOT NULL) LIMIT 1"
        ).fetchone()
        if sealed is not None:
            return []
    return pending


def _migration_problems(conn: sqlite3.Connection) -> list[Problem]:
    """The migrations table must list exactly this version's migrations, in order."""
    try:
        rows = conn.execute(
            f"SELECT migration_set, name FROM {MIGRATIONS_TABLE} ORDER BY id"
        ).fetchall()
    except sqlite3.DatabaseError:
        return []  # the table itself is missing or altered: reported above
    ours = [name for migration_set, name in rows if migration_set == MIGRATION_SET]
    others = [r for r in rows if r[0] != MIGRATION_SET]
    found: list[Problem] = []
    expected = list(EXPECTED_MIGRATIONS)
    if ours != expected and not not_yet_applied(conn):
        if ours == expected[: len(ours)]:
            missing = ", ".join(expected[len(ours) :])
            detail = (
                f"the log has not been brought up to date by this version of infoshare "
                f"(schema changes not applied: {missing}). If it is an older log, open it "
                "once with any other command (for example `infoshare log`), then check it "
                "again; otherwise the record of its schema changes was edited."
            )
        else:
            detail = (
                "the log's record of its own schema changes (the migrations table) is not "
                "what infoshare wrote: rows were removed, added or changed."
            )
        found.append(Problem("schema", detail))
    if others:
        found.append(
            Problem(
                "schema",
                f"the migrations table holds {counted(len(others), 'row')} infoshare did not "
                "write.",
            )
        )
    return found


def _integrity(conn: sqlite3.Connection) -> list[str]:
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows[:20]
