"""The checked_heads table (migration 0012): where exporters' signed statements are kept.

Only storage is here; what a statement says and when it is trusted is
``integrity/checked_heads.py``. The table is a cache beside the record: anyone holding the
file can delete it or its rows, and that only costs the next export the whole check, so a
missing table is made again when the next statement is stored.
"""

from __future__ import annotations

import sqlite3

from infoshare_cli.ledger.schema import CHECKED_HEADS_SQL, CHECKED_HEADS_TABLE

# (id, staff_id, seq, statement, signature) as the file holds them: anything at all.
StoredRow = tuple[object, object, object, object, object]

_SELECT = f"SELECT id, staff_id, seq, statement, signature FROM {CHECKED_HEADS_TABLE}"


def stored_rows(conn: sqlite3.Connection, staff_id: str | None = None) -> list[StoredRow]:
    """Every row (a person's own only, when ``staff_id`` is given), newest head first; []
    when the table is gone."""
    sql = _SELECT
    params: tuple[str, ...] = ()
    if staff_id is not None:
        sql, params = sql + " WHERE staff_id = ?", (staff_id,)
    try:
        return conn.execute(sql + " ORDER BY seq DESC, id DESC", params).fetchall()
    except sqlite3.OperationalError:  # no such table: a cache that was lost
        return []


def store(
    conn: sqlite3.Connection, staff_id: str, seq: int, statement: str, signature: str
) -> None:
    """Keep one signed statement (in the caller's write transaction), making the table
    again, exactly as migration 0012 makes it, if it was dropped."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (CHECKED_HEADS_TABLE,)
    ).fetchone()
    if exists is None:
        conn.execute(CHECKED_HEADS_SQL)
    conn.execute(
        f"INSERT INTO {CHECKED_HEADS_TABLE} (staff_id, seq, statement, signature) "
        "VALUES (?, ?, ?, ?)",
        (staff_id, seq, statement, signature),
    )
