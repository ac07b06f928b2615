"""Online backups: a consistent copy of the log through SQLite's backup API, then verified.

The copy is taken inside one read transaction of a read-only connection, so it is a
snapshot of the log at one moment even while someone else is writing to it (in WAL mode
readers never block writers). It is written to a temporary owner-only file beside the
destination, switched to a single self-contained file (no ``-wal`` beside it), checked with
the verifier, and only then put in place, never over an existing file unless asked.

No terminal code: the CLI prints the :class:`BackupResult`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.report import Report
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.private_files import create_private, place
from infoshare_cli.ledger.store import Ledger


@dataclass
class BackupResult:
    path: Path
    report: Report  # the verifier's report on the copy
    source_ok: bool = True  # False when the log itself does not verify (the copy is faithful)


def default_backup_name(db: Path, now: datetime | None = None) -> str:
    stamp = (now or datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    return f"{db.stem}-backup-{stamp}{db.suffix or '.sqlite3'}"


def _resolve_dest(db: Path, dest: Path | None) -> Path:
    if dest is None:
        return db.parent / default_backup_name(db)
    if dest.is_dir():
        return dest / default_backup_name(db)
    return dest


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _copy(source: Ledger, target: Path) -> None:
    dest = sqlite3.connect(target, isolation_level=None)
    try:
        # pages=-1: the whole log in one step, so one consistent snapshot of it.
        source.db.conn.backup(dest, pages=-1)
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        dest.execute("PRAGMA synchronous=FULL")
    finally:
        dest.close()
    with open(target, "rb") as f:
        os.fsync(f.fileno())


def _exists(dest: Path) -> InfoshareError:
    return InfoshareError(
        f"There is already a file at {dest}. infoshare will not overwrite it: choose another "
        "name, or add --force to replace it."
    )


def backup_log(db: Path, dest: Path | None = None, *, force: bool = False) -> BackupResult:
    """Copy the log at ``db`` to ``dest`` (a file or a folder; default: beside the log)."""
    target = _resolve_dest(db, dest)
    if _same_file(db, target):
        raise InfoshareError(
            "The backup cannot be written over the log itself: choose another path."
        )
    if target.exists() and not force:
        raise _exists(target)
    if not target.parent.is_dir():
        raise InfoshareError(f"There is no folder {target.parent} to write the backup into.")

    with Ledger.open(db, readonly=True) as source:
        temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}.partial"
        try:
            create_private(temporary).close()
            _copy(source, temporary)
            report = verify_path(temporary)
            source_ok = True
            if not report.ok:
                # Is the copy bad, or is it a faithful copy of a log that is itself bad?
                source_ok = verify_path(db).ok
                if source_ok:
                    raise InfoshareError(
                        "The copy did not verify although the log does, so it was not kept. "
                        "Check the disk you are backing up to, and try again."
                    )
            try:
                place(temporary, target, force)
            except FileExistsError:
                raise _exists(target) from None
            report.path = str(target)
        finally:
            for leftover in (temporary, Path(f"{temporary}-journal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
    return BackupResult(target, report, source_ok)
