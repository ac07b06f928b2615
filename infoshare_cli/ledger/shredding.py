"""Destroying record keys (crypto-shredding), so that no copy of them stays in the file.

Deleting a record's key row is the only deletion the log ever makes. It is done inside the
transaction of the co-signed erasure entries (``actions/erasing.py``), so a crash leaves
the log before or after the erasure, never between. ``secure_delete`` is on for every
connection (``store._configure``): SQLite overwrites the deleted bytes with zeros instead
of leaving them in a free page. After the commit, :func:`clear_old_pages` checkpoints the
write-ahead log and truncates it, so the page that held the key is overwritten in the main
file too and no older copy of it stays in the WAL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def destroy_record_keys(conn: sqlite3.Connection, records: Iterable[str]) -> int:
    """Delete the keys of ``records``; returns how many there were. Inside a transaction."""
    if not conn.in_transaction:
        raise RuntimeError("record keys are destroyed only inside the erasure's transaction")
    gone = 0
    for record in records:
        gone += conn.execute("DELETE FROM record_keys WHERE record = ?", (record,)).rowcount
    return gone


def clear_old_pages(conn: sqlite3.Connection) -> bool:
    """Copy the write-ahead log into the main file and empty it: True when it is done.

    It waits (up to the connection's busy timeout) for other windows reading the log to
    finish; False if one still held an older snapshot, in which case the old page stays
    until the next erasure or the next checkpoint SQLite makes on its own.
    """
    conn.execute("PRAGMA secure_delete=ON")
    busy, _log, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0
