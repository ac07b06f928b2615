"""Record keys against erasures: an erased record is reported as erased, not as damage;
a record key missing without a co-signed erasure is damage, and so is a key back in the
file for a record that was erased."""

from __future__ import annotations

import sqlite3

from infoshare_cli.domain.erasure import Erased
from infoshare_cli.integrity.report import Problem


def record_key_problems(conn: sqlite3.Connection, erasures: list[Erased]) -> list[Problem]:
    """What is wrong with the record keys, given the erasures the chain holds."""

    # Looked up per record in SQL (record_keys is keyed by record), not gathered into a set
    # of every record: verify's memory stays flat as the log grows.
    def kept(record: str) -> bool:
        row = conn.execute("SELECT 1 FROM record_keys WHERE record = ?", (record,)).fetchone()
        return row is not None

    try:
        kept("")
    except sqlite3.OperationalError:  # a log from before record keys: nothing to check
        return []
    erased = {e.record for e in erasures}
    found: list[Problem] = []
    rows = conn.execute(
        "SELECT seq, recorded_at, record FROM ("
        " SELECT seq, recorded_at, json_extract(payload, '$.record') AS record FROM entries"
        " WHERE kind = 'decision' AND json_valid(payload)"
        " AND json_type(payload, '$.record') = 'text') AS d"
        " WHERE NOT EXISTS (SELECT 1 FROM record_keys k WHERE k.record = d.record)"
        " ORDER BY seq"
    )
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
