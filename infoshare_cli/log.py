"""The log: one signed, hash-chained, append-only SQLite table of entries.

Every fact the tool records (a setting, a staff change, a decision, a co-signature, a
correction, an export) is one row of ``entries``. Each row carries the hash of the row
before it and its own hash over its fields (:func:`compute_hash`), signed with the Ed25519
key of the person who wrote it. Triggers refuse UPDATE and DELETE; a correction is a new
entry pointing at the one it corrects. The views ``staff``, ``decisions`` and
``cosignatures`` are derived from ``entries`` with ``json_extract`` so that any SQLite
client can read the log.

Writers serialise on SQLite's write lock (``BEGIN IMMEDIATE``), so several processes can
append to the same file at once and the sequence stays gap-free and the chain intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from infoshare_cli.crypto import canonical_json, sha256_hex
from infoshare_cli.errors import InfoshareError
from infoshare_cli.private_files import create_private

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

__all__ = [
    "APPEND_ONLY_MESSAGE",
    "GENESIS_HASH",
    "KINDS",
    "MIGRATION_SET",
    "Entry",
    "Ledger",
    "compute_hash",
    "entry_message",
    "migrations",
]

GENESIS_HASH = "0" * 64
KINDS = ("setting", "staff", "decision", "cosign", "correction", "export")
APPEND_ONLY_MESSAGE = "the infoshare log is append-only: entries cannot be changed or deleted"
MIGRATION_SET = "infoshare"

_SQLITE_HEADER = b"SQLite format 3\x00"
_COLUMNS = "seq, kind, recorded_at, actor, payload, prev_hash, hash, signature"


# --- hashing --------------------------------------------------------------------------------


def entry_message(
    seq: int, kind: str, recorded_at: str, actor: str, payload_text: str, prev_hash: str
) -> bytes:
    """The bytes an entry's hash is taken over: canonical JSON of its fields.

    The payload goes in as its canonical JSON *text* (a string), exactly as stored, so the
    message is cheap to rebuild from a stored row and unambiguous.
    """
    return canonical_json(
        {
            "seq": seq,
            "kind": kind,
            "recorded_at": recorded_at,
            "actor": actor,
            "payload": payload_text,
            "prev_hash": prev_hash,
        }
    )


def compute_hash(
    seq: int, kind: str, recorded_at: str, actor: str, payload_text: str, prev_hash: str
) -> str:
    """SHA-256 hex of :func:`entry_message`. ``verify`` recomputes stored hashes with this."""
    return sha256_hex(entry_message(seq, kind, recorded_at, actor, payload_text, prev_hash))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- entries --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the log, exactly as stored."""

    seq: int
    kind: str
    recorded_at: str
    actor: str
    payload_text: str
    prev_hash: str
    hash: str
    signature: str
    _payload: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def payload(self) -> dict[str, Any]:
        """The payload parsed from ``payload_text`` (parsed once, then cached).

        Treat it as read-only: ``payload_text`` is what the hash covers.
        """
        if self._payload is None:
            object.__setattr__(self, "_payload", json.loads(self.payload_text))
        return self._payload  # type: ignore[return-value]

    def computed_hash(self) -> str:
        """The hash this entry's stored fields should have (compare with ``hash``)."""
        return compute_hash(
            self.seq, self.kind, self.recorded_at, self.actor, self.payload_text, self.prev_hash
        )


# --- schema ---------------------------------------------------------------------------------

MIGRATIONS_TABLE = "_sqlite_migrations"  # where sqlite-utils records applied migrations


class _Migrations:
    """The log's schema migrations, registered as with sqlite-utils' ``Migrations``.

    Registering them and reading which are applied need no sqlite-utils, whose import costs
    ~70 ms on every command: the real ``Migrations`` is only built when something else is
    asked of it (applying a migration, ``pending``, ``applied``...), and everything else is
    passed on to it.
    """

    migrations_table = MIGRATIONS_TABLE

    def __init__(self, name: str):
        self.name = name
        self._registered: list[tuple[str, Callable, bool]] = []
        self._real: Migrations | None = None

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable:
        def inner(fn: Callable) -> Callable:
            if self._real is not None:
                raise RuntimeError("migrations are registered when infoshare_cli.log is imported")
            self._registered.append((name or fn.__name__, fn, transactional))
            return fn

        return inner

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self._registered]

    def applied_names(self, conn: sqlite3.Connection) -> list[str]:
        """Names of this set's applied migrations, oldest first (read with plain SQL)."""
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
        ).fetchone()
        if not exists:
            return []
        rows = conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
            (self.name,),
        )
        return [name for (name,) in rows]

    def pending_names(self, conn: sqlite3.Connection) -> list[str]:
        applied = set(self.applied_names(conn))
        return [name for name in self.names if name not in applied]

    def real(self) -> Migrations:
        if self._real is None:
            from sqlite_utils.migrations import Migrations

            real = Migrations(self.name)
            for name, fn, transactional in self._registered:
                real(name=name, transactional=transactional)(fn)
            self._real = real
        return self._real

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr in ("_registered", "_real", "name"):
            raise AttributeError(attr)
        return getattr(self.real(), attr)

    def __repr__(self) -> str:
        return f"<Migrations {self.name!r}: [{', '.join(self.names)}]>"


migrations = _Migrations(MIGRATION_SET)


def _latest_staff_field(expr: str, alias: str) -> str:
    """Subquery: the newest non-null ``expr`` among a staff member's entries."""
    return (
        f"(SELECT {expr} FROM s WHERE s.staff_id = ids.staff_id AND {expr} IS NOT NULL"
        f" ORDER BY s.seq DESC LIMIT 1) AS {alias}"
    )


_SCHEMA_0001 = [
    """
    CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        signature TEXT NOT NULL
    )
    """,
    f"""
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
    f"""
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
    "CREATE INDEX entries_kind ON entries(kind)",
    # Co-signatures and corrections point at a decision by its seq; a decision may revisit
    # an earlier one. Not partial indexes: SQLite would only use a partial index WHERE kind
    # IN (...) for queries repeating that exact IN, not for kind = 'cosign'. Queries must
    # compare the expression with a value that has no affinity (e.g. `= +d.seq`, `= ?`, `= 5`),
    # else SQLite cannot use these indexes; references must then be JSON integers.
    "CREATE INDEX entries_decision_ref ON entries(kind, json_extract(payload, '$.decision'))",
    "CREATE INDEX entries_revisits ON entries(kind, json_extract(payload, '$.revisits'))",
    # staff: the current state of each staff member, folded from their 'staff' entries.
    # Each column is the newest value any of their entries gave it, so a 'deactivate' entry
    # need only carry staff_id. active is 0 after a 'deactivate' unless a later entry sets
    # "active" again; 1 if never stated. since_seq is the seq of their newest staff entry,
    # registered_at the time of their first.
    f"""
    CREATE VIEW staff AS
    WITH s AS (
        SELECT seq, recorded_at, payload, json_extract(payload, '$.staff_id') AS staff_id
        FROM entries WHERE kind = 'staff'
    ),
    ids AS (
        SELECT staff_id, max(seq) AS since_seq, min(seq) AS first_seq
        FROM s WHERE staff_id IS NOT NULL GROUP BY staff_id
    )
    SELECT
        ids.staff_id AS staff_id,
        {_latest_staff_field("json_extract(s.payload, '$.name')", "name")},
        {_latest_staff_field("json_extract(s.payload, '$.role')", "role")},
        {_latest_staff_field("json_extract(s.payload, '$.dsl')", "dsl")},
        COALESCE((
            SELECT CASE WHEN json_extract(s.payload, '$.action') = 'deactivate' THEN 0
                        ELSE json_extract(s.payload, '$.active') END
            FROM s WHERE s.staff_id = ids.staff_id
              AND (json_extract(s.payload, '$.active') IS NOT NULL
                   OR json_extract(s.payload, '$.action') = 'deactivate')
            ORDER BY s.seq DESC LIMIT 1
        ), 1) AS active,
        {_latest_staff_field("json_extract(s.payload, '$.public_key')", "public_key")},
        ids.since_seq AS since_seq,
        (SELECT s.recorded_at FROM s WHERE s.seq = ids.first_seq) AS registered_at
    FROM ids
    ORDER BY ids.first_seq
    """,
    # decisions: one row per decision. status, first rule that applies:
    #   'superseded'            a later decision has payload.revisits = this decision_id;
    #                           (revisits and a cosign's decision are JSON integers);
    #   'agreed' / 'not agreed' the newest co-signature with verdict agree / disagree, by
    #                           someone other than the person who made the decision;
    #   'awaiting co-signature' otherwise.
    # Corrections do not change the status; they are shown alongside the decision.
    """
    CREATE VIEW decisions AS
    SELECT
        d.seq AS decision_id,
        d.recorded_at AS recorded_at,
        d.actor AS decided_by,
        json_extract(d.payload, '$.case_ref') AS case_ref,
        json_extract(d.payload, '$.outcome') AS outcome,
        json_extract(d.payload, '$.revisits') AS revisits,
        CASE
            WHEN EXISTS (
                SELECT 1 FROM entries n
                WHERE n.kind = 'decision' AND json_extract(n.payload, '$.revisits') = +d.seq
                  AND n.seq > d.seq
            ) THEN 'superseded'
            ELSE COALESCE((
                SELECT CASE json_extract(c.payload, '$.verdict')
                           WHEN 'agree' THEN 'agreed' ELSE 'not agreed' END
                FROM entries c
                WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +d.seq
                  AND c.actor <> d.actor
                  AND json_extract(c.payload, '$.verdict') IN ('agree', 'disagree')
                ORDER BY c.seq DESC LIMIT 1
            ), 'awaiting co-signature')
        END AS status
    FROM entries d
    WHERE d.kind = 'decision'
    ORDER BY d.seq
    """,
    """
    CREATE VIEW cosignatures AS
    SELECT
        seq,
        json_extract(payload, '$.decision') AS decision,
        actor AS cosigned_by,
        json_extract(payload, '$.verdict') AS verdict,
        json_extract(payload, '$.comment') AS comment,
        recorded_at
    FROM entries
    WHERE kind = 'cosign'
    ORDER BY seq
    """,
]


@migrations(name="0001_ledger")
def _migration_0001_ledger(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0001:
        db.execute(statement)


# 0002_search: full-text search over what people typed, and a case-reference index.
#
# decision_text holds one row per decision, co-signature and correction (rowid = the entry's
# seq; `decision` = the decision it is about), with the free text of its payload: reasons,
# comments, what was wrong / right / why, text answers and the case reference. Choice values
# ("yes", "not_sought") are left out: they are not words anyone searches for. An AFTER
# INSERT trigger keeps it in step, so every writer feeds it inside its own transaction; it
# never touches `entries`, so the append-only triggers are unaffected. It is derived data,
# not part of the record: `verify` does not rely on it.
_SEARCH_KINDS = "('decision', 'cosign', 'correction')"


def _search_row_select(alias: str) -> str:
    return f"""
    SELECT {alias}.seq,
        CASE {alias}.kind WHEN 'decision' THEN {alias}.seq
             ELSE json_extract({alias}.payload, '$.decision') END,
        (SELECT group_concat(t.value, char(10)) FROM json_tree({alias}.payload) AS t
         WHERE t.type = 'text'
           AND (t.key IN ('reason', 'comment', 'wrong', 'right', 'why', 'case_ref')
                OR (t.key = 'answer' AND t.value GLOB '*[^a-z0-9_]*')))
    """


_SCHEMA_0002 = [
    """
    CREATE VIRTUAL TABLE decision_text USING fts5(
        decision UNINDEXED, body, tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER entries_feed_search AFTER INSERT ON entries
    WHEN new.kind IN {_SEARCH_KINDS} AND json_valid(new.payload)
    BEGIN
        INSERT INTO decision_text(rowid, decision, body) {_search_row_select("new")};
    END
    """,
    f"""
    INSERT INTO decision_text(rowid, decision, body) {_search_row_select("e")}
    FROM entries e WHERE e.kind IN {_SEARCH_KINDS} AND json_valid(e.payload)
    """,
    # `infoshare case REF` and `--case`: compare with `= ? COLLATE NOCASE` to use it.
    "CREATE INDEX entries_case_ref ON entries(kind, json_extract(payload, '$.case_ref') "
    "COLLATE NOCASE)",
]


@migrations(name="0002_search")
def _migration_0002_search(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0002:
        db.execute(statement)


_SCHEMA_0003 = [
    # INSERT OR REPLACE on an existing seq or hash deletes the old row without firing DELETE
    # triggers (recursive_triggers is off by default), so refuse such an insert up front.
    f"""
    CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries
    WHEN EXISTS (SELECT 1 FROM entries WHERE seq = NEW.seq OR hash = NEW.hash)
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
]


@migrations(name="0003_no_replace")
def _migration_0003_no_replace(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_0003:
        db.execute(statement)


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


def _not_a_log(path: Path, why: str) -> InfoshareError:
    return InfoshareError(
        f"{path} is not an infoshare log ({why}). Check the --db path, or run "
        "`infoshare init` to set up a new log somewhere else."
    )


# --- the ledger -----------------------------------------------------------------------------


class Ledger:
    """An open infoshare log. Use :meth:`create` or :meth:`open`, then :meth:`append`."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self._path = path
        self._conn = conn
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
                f"No infoshare log at {path}. Run `infoshare init` to set one up, "
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

    def _check_is_infoshare_log(self) -> None:
        """Refuse SQLite files that are not ours, before changing anything in them."""
        try:
            rows = self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {name for (name,) in rows}
        except sqlite3.DatabaseError:
            raise _not_a_log(self._path, "SQLite cannot read it") from None
        if "entries" not in tables or MIGRATIONS_TABLE not in tables:
            raise _not_a_log(self._path, "it is an SQLite database without an infoshare log")
        applied = set(migrations.applied_names(self._conn))
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
            self._conn = None  # type: ignore[assignment]

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
        if not isinstance(actor, str) or not actor:
            raise ValueError("actor must be a non-empty staff id")
        if not isinstance(payload, dict):
            raise TypeError("payload must be a dict")
        body = dict(payload)
        body.setdefault("id", uuid.uuid4().hex)
        payload_text = canonical_json(body).decode("utf-8")

        conn = self._conn
        own_transaction = not self._in_batch
        # IMMEDIATE takes the write lock now: a deferred BEGIN that reads the head and then
        # tries to write fails (SQLITE_BUSY) instead of waiting if another writer got in.
        if own_transaction:
            conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash = (row[0] + 1, row[1]) if row else (1, GENESIS_HASH)
            recorded_at = _now()
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

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Appends inside this block land together or not at all.

        A decision and its co-signature are written this way, so a crash or Ctrl-C between
        the two never leaves half a record.
        """
        if self._in_batch:
            raise RuntimeError("batches do not nest")
        conn = self._conn
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
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM entries ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return Entry(*row) if row else None

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM entries").fetchone()[0]

    def get(self, seq: int) -> Entry | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM entries WHERE seq = ?", (seq,)).fetchone()
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
        cursor = self._conn.execute(sql, params)
        try:
            for row in cursor:
                yield Entry(*row)
        finally:
            cursor.close()
