"""The search index checked against the entries it is derived from.

``decision_text`` (the full-text index behind ``log -q``) is derived data: one row per
decision, co-signature and correction, holding the free text of its payload, made by the
same SQL (``ledger.schema.search_row_select``) that the insert trigger uses. Someone with
the file could edit it so that a search loses a decision or finds words never written.
``verify`` checks, in the same read snapshot as the entries:

- its stored rows: exactly one per entry that should have one, with exactly the text the
  entry gives (computed afresh from the signed entries), and no others;
- its full-text index against those rows: SQLite's own FTS5 ``integrity-check``, run on a
  copy of the index in memory (the check is written as an INSERT, which a read-only
  connection refuses, and ``verify`` never writes to the log).

``infoshare repair-search`` rebuilds it from the entries (:func:`rebuild_search`).
"""

from __future__ import annotations

import sqlite3

from infoshare_cli.integrity.report import Problem
from infoshare_cli.ledger.schema import SEARCH_KINDS, SEARCH_TABLE_SQL, search_row_select

_SHADOW = ("data", "idx", "content", "docsize", "config")
REPAIR = (
    "Rebuild it from the entries with `infoshare repair-search` (the entries themselves are "
    "checked separately)."
)


def _problem(detail: str) -> Problem:
    return Problem("search", f"{detail} {REPAIR}")


def search_problems(conn: sqlite3.Connection, path: str) -> list[Problem]:
    """What is wrong with the search index of the log open on ``conn`` (at ``path``)."""
    try:
        found = _row_problems(conn)
    except sqlite3.DatabaseError:
        return [_problem("The search index cannot be read (its tables were changed).")]
    if found:
        return found
    return _index_problems(path)


def _row_problems(conn: sqlite3.Connection) -> list[Problem]:
    expected = f"""
        WITH expected(id, decision, body) AS (
            {search_row_select("e")} FROM entries e
            WHERE e.kind IN {SEARCH_KINDS} AND json_valid(e.payload)
        )
    """
    differ = conn.execute(
        expected + "SELECT x.id FROM expected x LEFT JOIN decision_text_content t ON t.id = x.id"
        " WHERE t.id IS NULL OR t.c0 IS NOT x.decision OR t.c1 IS NOT x.body"
        " ORDER BY x.id LIMIT 5"
    ).fetchall()
    extra = conn.execute(
        "SELECT t.id FROM decision_text_content t WHERE NOT EXISTS (SELECT 1 FROM entries e"
        f" WHERE e.seq = t.id AND e.kind IN {SEARCH_KINDS} AND json_valid(e.payload))"
        " ORDER BY t.id LIMIT 5"
    ).fetchall()
    found = []
    if differ:
        ids = ", ".join(f"#{r[0]}" for r in differ)
        found.append(
            _problem(
                f"The search index does not hold what entries {ids} say (missing or different "
                "words): a search could miss a decision or find words never written."
            )
        )
    if extra:
        ids = ", ".join(f"#{r[0]}" if isinstance(r[0], int) else "?" for r in extra)
        found.append(
            _problem(
                f"The search index holds text for entries that do not have it ({ids}): a "
                "search could find words never written."
            )
        )
    return found


def _index_problems(path: str) -> list[Problem]:
    """SQLite's FTS5 integrity-check, on an in-memory copy of the index (never a temp file:
    the index holds the reasons people typed)."""
    from pathlib import Path

    uri = Path(path).resolve().as_uri() + "?mode=ro"
    mem = sqlite3.connect(":memory:")
    try:
        mem.execute("ATTACH DATABASE ? AS log", (uri,))
        mem.execute(SEARCH_TABLE_SQL)
        mem.execute("BEGIN")
        for suffix in _SHADOW:
            mem.execute(f"DELETE FROM main.decision_text_{suffix}")
            mem.execute(
                f"INSERT INTO main.decision_text_{suffix} SELECT * FROM log.decision_text_{suffix}"
            )
        mem.execute(
            "INSERT INTO main.decision_text(decision_text, rank) VALUES ('integrity-check', 1)"
        )
        mem.execute("COMMIT")
    except sqlite3.DatabaseError:
        return [
            _problem(
                "The search index's full-text index does not match its own rows: a search "
                "could miss a decision or find words never written."
            )
        ]
    finally:
        mem.close()
    return []


def rebuild_search(conn: sqlite3.Connection) -> int:
    """Drop the search index and build it again from the entries, under the write lock.

    Returns the number of rows indexed. The entries are not touched (the append-only
    triggers are on ``entries``); the insert trigger keeps feeding the new index.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DROP TABLE IF EXISTS decision_text")
        conn.execute(SEARCH_TABLE_SQL)
        conn.execute(
            f"INSERT INTO decision_text(rowid, decision, body) {search_row_select('e')} "
            f"FROM entries e WHERE e.kind IN {SEARCH_KINDS} AND json_valid(e.payload)"
        )
        count = conn.execute("SELECT count(*) FROM decision_text").fetchone()[0]
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return count
