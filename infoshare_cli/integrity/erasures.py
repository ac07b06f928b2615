"""Record keys against erasures: an erased record is reported as erased, not as damage;
a record key missing without a co-signed erasure is damage, and so is a key back in the
file for a record that was erased."""

from __future__ import annotations

import sqlite3

from infoshare_cli.domain.erasure import Erased
from infoshare_cli.integrity.report import Problem

# Decisions whose record is named in their payload but has no key in the file.
_MISSING_SQL = (
    "SELECT seq, recorded_at, record FROM ("
    " SELECT seq, recorded_at, json_extract(payload, '$.record') AS record FROM entries"
    " WHERE kind = 'decision' AND json_valid(payload)"
    " AND json_type(payload, '$.record') = 'text') AS d"
    " WHERE NOT EXISTS (SELECT 1 FROM record_keys k WHERE k.record = d.record)"
    " ORDER BY seq"
)

MissingKeys = list[tuple[int, str, object]]  # (seq, recorded_at, record) of each decision


def missing_record_keys(conn: sqlite3.Connection) -> MissingKeys | None:
    """Every decision whose record key is not in the file, erased or not (None: a log from
    before record keys, with nothing to check). Needs nothing from the pass over the
    entries, so a large log's ``verify`` reads it beside that pass."""
    try:
        conn.execute("SELECT 1 FROM record_keys WHERE record = ?", ("",)).fetchone()
    except sqlite3.OperationalError:
        return None
    return conn.execute(_MISSING_SQL).fetchall()


_READ_HERE = object()


def record_key_problems(
    conn: sqlite3.Connection,
    erasures: list[Erased],
    missing: MissingKeys | None | object = _READ_HERE,
) -> list[Problem]:
    """What is wrong with the record keys, given the erasures the chain holds.

    ``missing``: what :func:`missing_record_keys` gave for this log, if it was read already
    (on another connection to the same entries)."""
    rows = missing_record_keys(conn) if missing is _READ_HERE else missing
    if not isinstance(rows, list):  # a log from before record keys: nothing to check
        return []

    # Looked up per record in SQL (record_keys is keyed by record), not gathered into a set
    # of every record: verify's memory stays flat as the log grows.
    def kept(record: str) -> bool:
        row = conn.execute("SELECT 1 FROM record_keys WHERE record = ?", (record,)).fetchone()
        return row is not None

    erased = {e.record for e in erasures}
    found: list[Problem] = []
    for seq, recorded_at, record in rows:
        if record in erased:
            continue
        found.append(
            Problem(
                "keys",
                "its record key is missing from the log file, and no co-signed erasure removed "
                "it: the key was destroyed outside infoshare, so nobody can read this record.",
                seq,
                "decision",
                recorded_at,
            )
        )
    for erasure in erasures:
        if isinstance(erasure.record, str) and kept(erasure.record):
            found.append(
                Problem(
                    "keys",
                    f"decision #{erasure.decision} was erased here, but its record key is back "
                    "in the log file (put back outside infoshare, for example from a backup).",
                    erasure.erase_seq,
                    "erase",
                )
            )
    return found
