"""The checks a large log's ``verify`` runs beside its pass over the entries.

The pass holds Python's lock for its own work, but much of the time it waits for the
worker processes that check the signatures. These checks need nothing from the pass, so
they run meanwhile, each in a thread with a read-only connection of its own, instead of
one after another once the pass is done (while a core stood idle):

- SQLite's ``integrity_check`` (which runs inside SQLite, without Python's lock);
- the decisions whose record key is not in the file, and the derived data (decision
  numbers, the awaiting list, the case index) worked out again from the entries.

They are the very functions the command's own connection would run. A connection of its
own sees the log as it stands when it starts reading, which is the command's snapshot
unless someone wrote in between: the second group checks that it sees the same entries
(their number, the newest entry and its hash), and gives no result otherwise. Any other
trouble (the file cannot be opened again, say) also gives no result, and ``verify`` then
runs the checks on its own connection, as for a small log.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.chain import _text_factory
from infoshare_cli.integrity.derived import derived_problems
from infoshare_cli.integrity.erasures import MissingKeys, missing_record_keys
from infoshare_cli.integrity.report import Problem
from infoshare_cli.integrity.schema import _integrity
from infoshare_cli.ledger.store import Ledger

Entries = tuple[object, object, object]  # (number of entries, newest seq, its hash)


def entries_seen(conn: sqlite3.Connection) -> Entries:
    """What identifies the entries a connection sees (they are only ever appended)."""
    count = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    newest = conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
    if newest is None:
        return (count, None, None)
    return (count, newest[0], newest[1])


def reads_the_file(conn: sqlite3.Connection, path: Path) -> bool:
    """Whether the connection reads the log file at ``path`` itself (not a copy in memory,
    such as :meth:`Ledger.snapshot` makes, which may have been brought up to date)."""
    try:
        main = next(row for row in conn.execute("PRAGMA database_list") if row[1] == "main")
        return bool(main[2]) and Path(main[2]).resolve() == Path(path).resolve()
    except (sqlite3.Error, StopIteration, OSError):
        return False


class IntegrityBeside(threading.Thread):
    """``PRAGMA integrity_check`` on its own read-only connection and thread. Any trouble
    (the file cannot be opened again, say) gives no result, and the check is then run on
    the log's own connection as usual."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self._path = path
        self._rows: list[str] | None = None
        self.start()

    def run(self) -> None:
        try:
            with Ledger.open(self._path, readonly=True) as side:
                self._rows = _integrity(side.conn)
        except (sqlite3.Error, InfoshareError, OSError):
            self._rows = None

    def result(self) -> list[str] | None:
        self.join()
        return self._rows


@dataclass
class Found:
    """What :class:`ChecksBeside` found, for the whole log."""

    missing_keys: MissingKeys | None
    derived: list[Problem]


class ChecksBeside(threading.Thread):
    """Missing record keys and derived data, on their own connection and thread,
    for the same entries as ``entries`` identifies (:func:`entries_seen`)."""

    def __init__(self, path: Path, entries: Entries):
        super().__init__(daemon=True)
        self._path = path
        self._entries = entries
        self._found: Found | None = None
        self.start()

    def run(self) -> None:
        try:
            with Ledger.open(self._path, readonly=True) as side:
                conn = side.conn
                conn.text_factory = _text_factory  # as the command's own connection reads
                # Its reads are scans and index look-ups, which a small page cache serves
                # (SQLite's default of 2 MB would add ~1 MB to the command's peak memory).
                conn.execute("PRAGMA cache_size = -256")
                conn.execute("BEGIN")
                if entries_seen(conn) != self._entries:
                    return  # someone wrote in between: not the command's snapshot
                self._found = Found(missing_record_keys(conn), derived_problems(conn))
        except Exception:  # noqa: BLE001 - any trouble: the command runs the checks itself
            self._found = None

    def result(self) -> Found | None:
        self.join()
        return self._found
