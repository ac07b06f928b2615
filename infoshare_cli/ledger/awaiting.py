"""The list of decisions awaiting co-signature (``decisions_awaiting``, schema 0007).

Derived data: the decisions whose state (``domain.status``, in SQL as
``ledger.status_sql.STATE_SQL``) is "awaiting co-signature". A trigger keeps it in step as
entries are added; ``pending`` and ``log --status awaiting`` read it instead of working out
every decision's state. It is not signed, so :func:`awaiting_problems` checks it against
the entries (``verify``), and :func:`rebuild_awaiting` makes it again from them.
"""

from __future__ import annotations

import sqlite3

from infoshare_cli.domain.status import AWAITING
from infoshare_cli.domain.words import counted
from infoshare_cli.ledger.schema import AWAITING_FILL_SQL, AWAITING_TABLE
from infoshare_cli.ledger.status_sql import STATE_SQL

_SHOWN = 20  # problems named one by one; beyond that, counted


def has_awaiting(conn: sqlite3.Connection) -> bool:
    """Whether this log has the list yet (a log opened read-only by ``verify`` may not)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (AWAITING_TABLE,)
    ).fetchone()
    return row is not None


def awaiting_problems(conn: sqlite3.Connection) -> list[str]:
    """Where the list differs from the entries, decision by decision: [] if it matches.

    Both sides are read in order and compared in step (memory does not grow with the log).
    """
    if not has_awaiting(conn):
        return []
    expected = (
        seq
        for (seq,) in conn.execute(
            f"SELECT e.seq FROM entries e WHERE e.kind = 'decision' AND ({STATE_SQL}) = ? "
            "ORDER BY e.seq",
            (AWAITING,),
        )
    )
    listed = (
        d for (d,) in conn.execute(f"SELECT decision FROM {AWAITING_TABLE} ORDER BY decision")
    )
    found: list[str] = []
    extra = 0
    want, have = next(expected, None), next(listed, None)
    while want is not None or have is not None:
        if want is not None and (have is None or want < have):
            problem = (
                f"decision #{want} awaits co-signature but is missing from the list of "
                "decisions awaiting it, so `pending` does not show it"
            )
            want = next(expected, None)
        elif have is not None and (want is None or have < want):
            problem = (
                f"the list of decisions awaiting co-signature names #{_number(have)}, "
                "which is not a decision awaiting co-signature"
            )
            have = next(listed, None)
        else:
            want, have = next(expected, None), next(listed, None)
            continue
        if len(found) < _SHOWN:
            found.append(problem)
        else:
            extra += 1
    if extra:
        found.append(f"and {counted(extra, 'more difference')} in the list of decisions awaiting")
    return found


def _number(value: object) -> str:
    return str(value) if type(value) is int else repr(value)[:40]


def rebuild_awaiting(conn: sqlite3.Connection) -> int:
    """Make the list again from the entries (inside the caller's write transaction);
    returns how many decisions await co-signature."""
    conn.execute(f"DELETE FROM {AWAITING_TABLE}")
    conn.execute(AWAITING_FILL_SQL)
    return conn.execute(f"SELECT count(*) FROM {AWAITING_TABLE}").fetchone()[0]
