"""Decision numbers: decisions counted 1, 2, 3 in the order taken, as people refer to them.

An entry's ``seq`` counts every kind of entry (staff, settings, co-signatures...), so it is
the number integrity is discussed in. A decision's *number* is its place among the decision
entries: the nth decision entry by seq is decision n. It is not signed; it follows from
the entries, and is kept in the ``decision_numbers`` table (migration 0011) so that either
way round is one index lookup. ``verify`` checks every row against the entries
(:func:`number_problems`), and :func:`rebuild_numbers` (``infoshare rebuild``) makes the
table again from the entries alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from itertools import zip_longest

from infoshare_cli.ledger.entries import could_be_seq
from infoshare_cli.ledger.schema import DECISION_NUMBERS_TABLE, NUMBER_DECISIONS_SQL

# SQL: the number of the decision whose seq is ``{seq}`` (NULL if it is not a decision).
NUMBER_OF_SQL = f"(SELECT n.number FROM {DECISION_NUMBERS_TABLE} n WHERE n.seq = {{seq}})"


def has_numbers(conn: sqlite3.Connection) -> bool:
    """Whether this log has its numbers table yet (a log opened read-only may not)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
        (DECISION_NUMBERS_TABLE,),
    ).fetchone()
    return row is not None


def number_of(conn: sqlite3.Connection, seq: int) -> int | None:
    """The decision number of the decision entry ``seq``; None if that is not a decision."""
    if not could_be_seq(seq):
        return None
    row = conn.execute(
        f"SELECT number FROM {DECISION_NUMBERS_TABLE} WHERE seq = ?", (seq,)
    ).fetchone()
    return row[0] if row else None


def numbers_of(conn: sqlite3.Connection, seqs: Iterable[int]) -> dict[int, int]:
    """seq -> decision number for those of ``seqs`` that are decisions (missing otherwise).

    An empty answer for a log that has no numbers table yet (opened read-only)."""
    wanted = sorted({seq for seq in seqs if could_be_seq(seq)})
    if not wanted or not has_numbers(conn):
        return {}
    found: dict[int, int] = {}
    for start in range(0, len(wanted), 500):  # under SQLite's limit on parameters
        chunk = wanted[start : start + 500]
        rows = conn.execute(
            f"SELECT seq, number FROM {DECISION_NUMBERS_TABLE} "
            f"WHERE seq IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        found.update(rows)
    return found


def seq_of(conn: sqlite3.Connection, number: int) -> int | None:
    """The entry seq of decision ``number``; None if there is no such decision."""
    row = conn.execute(
        f"SELECT seq FROM {DECISION_NUMBERS_TABLE} WHERE number = ?", (number,)
    ).fetchone()
    return row[0] if row else None


def number_problems(conn: sqlite3.Connection) -> list[str]:
    """What is wrong with the decision numbers, checked against the entries: [] if nothing.

    One pass over both, in step (memory does not grow with the log). A log with no numbers
    table yet has nothing to check: any command but ``verify`` brings it up to date."""
    if not has_numbers(conn):
        return []
    decisions = conn.execute("SELECT seq FROM entries WHERE kind = 'decision' ORDER BY seq")
    numbered = conn.execute(
        f"SELECT number, seq FROM {DECISION_NUMBERS_TABLE} ORDER BY number, seq"
    )
    try:
        for expected, (decision, row) in enumerate(zip_longest(decisions, numbered), start=1):
            if row is None:
                return [
                    f"decision {expected} (entry #{decision[0]}) has no decision number: the "
                    "numbers table lacks it and every later decision"
                ]
            number, seq = row
            if decision is None:
                return [f"the decision numbers go past the last decision (number {number})"]
            if number != expected or seq != decision[0]:
                return [
                    f"decision {expected} is entry #{decision[0]}, but the numbers table "
                    f"gives number {number} to entry #{seq}"
                ]
    finally:
        decisions.close()
        numbered.close()
    return []


def rebuild_numbers(conn: sqlite3.Connection) -> int:
    """Number every decision again from the entries; returns how many were numbered.

    Run inside the caller's write transaction (``actions.rebuilding``). Nothing signed is
    touched."""
    conn.execute(f"DELETE FROM {DECISION_NUMBERS_TABLE}")
    conn.execute(NUMBER_DECISIONS_SQL)
    return conn.execute(f"SELECT count(*) FROM {DECISION_NUMBERS_TABLE}").fetchone()[0]
