"""The log file: opening, creating, configuring and appending to the SQLite ledger."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from infoshare_cli.domain.privacy import PERSONAL_FIELDS, SEALED
from infoshare_cli.domain.timeline import behind_by, describe_gap, parse_time
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.ledger.crypto import canonical_json
from infoshare_cli.ledger.entries import (
    _COLUMNS,
    _SQLITE_HEADER,
    GENESIS_HASH,
    KINDS,
    Entry,
    _now,
    compute_hash,
    could_be_seq,
)
from infoshare_cli.ledger.private_files import create_private
from infoshare_cli.ledger.schema import MIGRATIONS_TABLE, migrations

if TYPE_CHECKING:
    import sqlite_utils


# --- files ----------------------------------------------------------------------------------


def _side_files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _tighten_side_files(path: Path) -> None:
    """Make the WAL/SHM files owner-only too (SQLite copies the main file's mode anyway)."""
    if os.name == "nt":
        return
    for side in _side_files(path):
        try:
            if stat.S_IMODE(side.stat().st_mode) & 0o077:
                os.chmod(side, 0o600)
        except OSError:
            pass


def _connect(path: Path, mode: str = "rw") -> sqlite3.Connection:
    """Open an existing file (never create one) in autocommit mode; ``mode="ro"`` to read only."""
    uri = path.resolve().as_uri() + f"?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    # Deleted bytes are overwritten, not left in free pages: erasing a record deletes its
    # key row, and the old key must not be recoverable from the file (see SECURITY.md).
    conn.execute("PRAGMA secure_delete=ON")


def _migrate(ledger: Ledger) -> None:
    """Apply pending migrations under the write lock, so concurrent openers cannot race."""
    conn = ledger.conn
    if not migrations.pending_names(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(ledger.db)  # re-checks what is pending, now that we hold the lock
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    # 0005 dropped what held plaintext: let no copy of those pages wait in the WAL.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def refuse_if_clock_behind(newest: str, now: str) -> None:
    """Nothing is signed while the clock is behind the newest entry (domain/timeline.py)."""
    gap = behind_by(newest, now)
    if gap is None:
        return
    newest_at = parse_time(newest)
    shown = newest_at.astimezone().strftime("%Y-%m-%d %H:%M") if newest_at else "later"
    raise InfoshareError(
        f"This computer's clock is {describe_gap(gap)} behind the newest entry in the log "
        f"(written {shown}, on this or another computer). Entries must follow one another in "
        "time, so nothing was signed or written. Check the date, time and time zone in the "
        "computer's settings, then try again."
    )


def _not_a_log(path: Path, why: str) -> InfoshareError:
    return InfoshareError(
        f"{path} is not an infoshare log ({why}). Check the --db path, or run "
        f"{command('init')} to set up a new log somewhere else."
    )


def _refuse_unsealed(conn: sqlite3.Connection, kind: str, payload: dict) -> None:
    """A log that encrypts its content never takes a personal field in the clear."""
    personal = PERSONAL_FIELDS.get(kind, ())
    if SEALED in payload or not any(name in payload for name in personal):
        return
    if conn.execute("SELECT 1 FROM data_keys LIMIT 1").fetchone() is not None:
        raise ValueError(f"a {kind} entry's personal fields must be sealed (ledger.sealing)")


# --- the ledger -----------------------------------------------------------------------------


class Ledger:
    """An open infoshare log. Use :meth:`create` or :meth:`open`, then :meth:`append`."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self._path = path
        self._conn: sqlite3.Connection | None = conn  # None once closed
        self._db: sqlite_utils.Database | None = None  # made when first asked for
        self._in_batch = False

    # -- opening and closing

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> Ledger:
        """Create a new, empty log at ``path`` (owner-only permissions). Never overwrites."""
        path = Path(path)
        exists_error = InfoshareError(
            f"There is already a file at {path}. infoshare will not overwrite an existing "
            "log: choose another path, or move that file away yourself."
        )
        if path.exists() or path.is_symlink():
            raise exists_error
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as e:
            raise InfoshareError(
                f"Could not create the folder {path.parent} for the log: {e.strerror}."
            ) from e
        try:
            create_private(path).close()
        except FileExistsError:
            raise exists_error from None
        except OSError as e:
            raise InfoshareError(f"Could not create the log at {path}: {e.strerror}.") from e

        conn = None
        try:
            conn = _connect(path)
            _configure(conn)
            ledger = cls(path, conn)
            _migrate(ledger)
        except BaseException:
            if conn is not None:
                conn.close()
            for leftover in [path, *_side_files(path)]:
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            raise
        _tighten_side_files(path)
        return ledger

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, readonly: bool = False) -> Ledger:
        """Open an existing log, applying any pending schema migrations.

        ``readonly=True`` opens it for reading only (``verify``, ``backup``): no migrations,
        no pragmas that write, and SQLite itself refuses any write on the connection.
        """
        path = Path(path)
        if not path.exists():
            raise InfoshareError(
                f"No infoshare log at {path}. Run {command('init')} to set one up, "
                "or point --db at your log."
            )
        if path.is_dir():
            raise InfoshareError(
                f"{path} is a folder, not an infoshare log. Point --db at the log file itself."
            )
        try:
            with open(path, "rb") as f:
                header = f.read(len(_SQLITE_HEADER))
        except OSError as e:
            raise InfoshareError(f"Could not read the log at {path}: {e.strerror}.") from e
        if not header:
            raise _not_a_log(path, "the file is empty")
        if header != _SQLITE_HEADER:
            raise _not_a_log(path, "it is not an SQLite database")

        try:
            conn = _connect(path, "ro" if readonly else "rw")
        except sqlite3.Error as e:
            raise InfoshareError(f"Could not open the log at {path}: {e}.") from e
        try:
            ledger = cls(path, conn)
            ledger._check_is_infoshare_log()
            if readonly:
                return ledger
            _configure(conn)
            _migrate(ledger)
        except sqlite3.DatabaseError as e:
            conn.close()
            raise InfoshareError(f"Could not open the log at {path}: {e}.") from e
        except BaseException:
            conn.close()
            raise
        _tighten_side_files(path)
        return ledger

    @classmethod
    def snapshot(cls, path: str | os.PathLike[str]) -> Ledger:
        """A private copy of the log in memory, brought up to this version's schema.

        The file is only read (one consistent snapshot, even while someone writes to it);
        nothing is written beside it, so no copy of its content reaches a temporary file.
        """
        with cls.open(path, readonly=True) as source:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            try:
                source.conn.backup(conn)
                ledger = cls(Path(path), conn)
                _migrate(ledger)
            except BaseException:
                conn.close()
                raise
        return ledger

    def _check_is_infoshare_log(self) -> None:
        """Refuse SQLite files that are not ours, before changing anything in them."""
        try:
            rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {name for (name,) in rows}
        except sqlite3.DatabaseError:
            raise _not_a_log(self._path, "SQLite cannot read it") from None
        if "entries" not in tables or MIGRATIONS_TABLE not in tables:
            raise _not_a_log(self._path, "it is an SQLite database without an infoshare log")
        applied = set(migrations.applied_names(self.conn))
        if "0001_ledger" not in applied:
            raise _not_a_log(self._path, "it is an SQLite database without an infoshare log")
        known = set(migrations.names)
        unknown = sorted(applied - known)
        if unknown:
            raise InfoshareError(
                f"The log at {self._path} was written by a newer version of infoshare "
                f"(it has schema changes this version does not know: {', '.join(unknown)}). "
                "Upgrade infoshare to use it."
            )

    def close(self) -> None:
        """Close the connection. Safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Ledger {str(self._path)!r}>"

    # -- properties

    @property
    def path(self) -> Path:
        return self._path

    @property
    def conn(self) -> sqlite3.Connection:
        """The SQLite connection (autocommit), for queries. Prefer it to ``db`` in commands:
        it needs no sqlite-utils import."""
        if self._conn is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._conn

    @property
    def db(self) -> sqlite_utils.Database:
        """The log as a sqlite-utils Database (for the views and ad-hoc reads).

        Made when first asked for: importing sqlite-utils costs ~70 ms.
        """
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn, execute_plugins=False)
        return self._db

    # -- writing

    def append(self, kind: str, actor: str, payload: dict, sign: Callable[[bytes], str]) -> Entry:
        """Append one signed entry and return it.

        ``payload`` is copied; an ``"id"`` (random uuid4 hex) is added if it has none. It
        must contain only what :func:`canonical_json` accepts (no floats). ``sign`` is called
        with the raw 32-byte hash and must return a base64 signature; it runs while the
        write lock is held, so unseal the key *before* calling ``append``.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown entry kind {kind!r}; expected one of {KINDS}")
        _refuse_unsealed(self.conn, kind, payload)
        if not isinstance(actor, str) or not actor:
            raise ValueError("actor must be a non-empty staff id")
        if not isinstance(payload, dict):
            raise TypeError("payload must be a dict")
        body = dict(payload)
        body.setdefault("id", uuid.uuid4().hex)
        payload_text = canonical_json(body).decode("utf-8")

        conn = self.conn
        own_transaction = not self._in_batch
        # IMMEDIATE takes the write lock now: a deferred BEGIN that reads the head and then
        # tries to write fails (SQLITE_BUSY) instead of waiting if another writer got in.
        if own_transaction:
            conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT seq, hash, recorded_at FROM entries ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            seq, prev_hash = (row[0] + 1, row[1]) if row else (1, GENESIS_HASH)
            recorded_at = _now()
            if row is not None:
                refuse_if_clock_behind(row[2], recorded_at)
            entry_hash = compute_hash(seq, kind, recorded_at, actor, payload_text, prev_hash)
            signature = sign(bytes.fromhex(entry_hash))
            if not isinstance(signature, str) or not signature:
                raise TypeError("sign() must return a base64 signature string")
            entry = Entry(
                seq, kind, recorded_at, actor, payload_text, prev_hash, entry_hash, signature
            )
            conn.execute(
                f"INSERT INTO entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, kind, recorded_at, actor, payload_text, prev_hash, entry_hash, signature),
            )
            if own_transaction:
                conn.execute("COMMIT")
        except BaseException:
            if own_transaction and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return entry

    def check_clock(self) -> None:
        """Refuse, before anyone starts, when this computer's clock is behind the log."""
        head = self.head()
        if head is not None:
            refuse_if_clock_behind(head.recorded_at, _now())

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Appends inside this block land together or not at all.

        A decision and its co-signature are written this way, so a crash or Ctrl-C between
        the two never leaves half a record.
        """
        if self._in_batch:
            raise RuntimeError("batches do not nest")
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        self._in_batch = True
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._in_batch = False

    # -- reading

    def head(self) -> Entry | None:
        """The newest entry, or None if the log is empty."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM entries ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return Entry(*row) if row else None

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM entries").fetchone()[0]

    def get(self, seq: int) -> Entry | None:
        """The entry numbered ``seq``, or None (also for a number no entry could have)."""
        if not could_be_seq(seq):
            return None
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM entries WHERE seq = ?", (seq,)).fetchone()
        return Entry(*row) if row else None

    def entries(self, start: int = 1, kinds: Iterable[str] | None = None) -> Iterator[Entry]:
        """Entries with seq >= ``start`` in order, optionally only some kinds. Streams rows."""
        sql = f"SELECT {_COLUMNS} FROM entries WHERE seq >= ?"
        params: list[Any] = [start]
        if kinds is not None:
            kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
            for k in kinds:
                if k not in KINDS:
                    raise ValueError(f"unknown entry kind {k!r}; expected one of {KINDS}")
            if not kinds:
                return
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            params.extend(kinds)
        sql += " ORDER BY seq"
        cursor = self.conn.execute(sql, params)
        try:
            for row in cursor:
                yield Entry(*row)
        finally:
            cursor.close()
