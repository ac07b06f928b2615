"""Proving the log is intact: one streaming pass over every entry, and anchors.

``verify_ledger`` recomputes every entry's hash from its stored fields (the stored hash is
never trusted), checks the numbering from 1 and the chain of ``prev_hash`` links from
``GENESIS_HASH``, checks every signature against the signer's key *as registered in the log
at that point* (the staff register is folded as the pass goes), checks that staff changes
and co-signatures follow the rules the tool enforces when it writes them, checks that the
append-only triggers and the rest of the schema are as the tool made them, and runs SQLite's
``PRAGMA integrity_check``. It reports the *first* bad entry in plain words.

Signatures are checked in batches on a small thread pool (the Ed25519 library releases the
GIL), so the pass runs about as fast as a bare loop of Ed25519 verifications, or faster.

``verify_export`` checks a JSON/JSONL export (docs/export-format.md) on its own, without the
database. Anchors (``infoshare-anchor:v1:<count>:<hash>:<date>``) pin the head of the log so
that truncation and rollback, which a chain alone cannot reveal, are detected later.

Pure: no terminal code. The CLI renders a :class:`Report`.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
import re
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlite_utils.migrations import Migrations

from infoshare_cli.errors import InfoshareError
from infoshare_cli.log import GENESIS_HASH, MIGRATION_SET, Ledger, migrations
from infoshare_cli.staff import StaffMember, apply_staff_entry

__all__ = [
    "ANCHOR_PREFIX",
    "Anchor",
    "ExportReport",
    "Head",
    "Problem",
    "Report",
    "anchor_for",
    "check_anchor",
    "entry_hash_fast",
    "parse_anchor",
    "read_anchor",
    "verify_export",
    "verify_ledger",
    "verify_path",
]

ANCHOR_PREFIX = "infoshare-anchor"
ANCHOR_VERSION = "v1"
MIN_ANCHOR_HASH = 16  # hex digits: enough when an anchor is copied by hand from paper
EXPORT_FORMAT = "infoshare-export/1"

_BATCH = 256  # signatures per batch handed to the pool
_HEX64 = re.compile(r"[0-9a-f]{64}")

_KIND_WORDS = {
    "setting": "the setting's details",
    "staff": "a staff change",
    "decision": "a decision",
    "cosign": "a co-signature",
    "correction": "a correction",
    "export": "a record of an export",
}


# --- findings -------------------------------------------------------------------------------


def when_text(recorded_at: object) -> str | None:
    """A stored UTC time shown in local time, or None if it is not a time at all."""
    if not isinstance(recorded_at, str):
        return None
    try:
        moment = datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            return None
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError, OSError):
        return None


@dataclass(frozen=True)
class Problem:
    """One thing that does not hold. ``seq`` is None for the file as a whole."""

    code: str  # hash, chain, missing, order, fields, signature, signer, rule, schema, ...
    detail: str  # plain words, completing "Entry #n (...): "
    seq: int | None = None
    kind: str | None = None
    recorded_at: str | None = None

    @property
    def message(self) -> str:
        if self.seq is None:
            return self.detail[:1].upper() + self.detail[1:]
        about = [_KIND_WORDS.get(self.kind or "", "an entry of an unknown kind")]
        when = when_text(self.recorded_at)
        if when:
            about.append(when)
        if self.kind is None:
            return f"Entry #{self.seq}: {self.detail}"
        return f"Entry #{self.seq} ({', '.join(about)}): {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "recorded_at": self.recorded_at,
            "problem": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    recorded_at: str


@dataclass(frozen=True)
class Anchor:
    """A statement of the log's head: the first ``count`` entries end with ``hash``."""

    count: int
    hash: str  # lowercase hex: all 64 digits, or at least MIN_ANCHOR_HASH of them
    date: str | None = None  # YYYY-MM-DD, for people
    source: str = "the anchor"

    @property
    def text(self) -> str:
        return f"{ANCHOR_PREFIX}:{ANCHOR_VERSION}:{self.count}:{self.hash}:{self.date or ''}"

    @property
    def described(self) -> str:
        return f"{self.source} of {self.date}" if self.date else self.source


@dataclass
class Report:
    """The result of checking a log."""

    path: str
    entries: int = 0
    head: Head | None = None
    first_bad: Problem | None = None
    schema: list[Problem] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)  # [] when integrity_check says ok
    anchor: Anchor | None = None
    anchor_problem: Problem | None = None
    anchor_note: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.first_bad is None
            and not self.schema
            and not self.integrity
            and self.anchor_problem is None
        )

    @property
    def problems(self) -> list[Problem]:
        found = [self.first_bad] if self.first_bad else []
        found += self.schema
        found += [Problem("integrity", f"SQLite's integrity check: {m}") for m in self.integrity]
        if self.anchor_problem:
            found.append(self.anchor_problem)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "log": self.path,
            "entries": self.entries,
            "head": (
                {
                    "seq": self.head.seq,
                    "hash": self.head.hash,
                    "recorded_at": self.head.recorded_at,
                }
                if self.head
                else None
            ),
            "first_bad_entry": self.first_bad.to_json() if self.first_bad else None,
            "schema_problems": [p.to_json() for p in self.schema],
            "integrity_check": "ok" if not self.integrity else self.integrity,
            "anchor": (
                {
                    "text": self.anchor.text,
                    "ok": self.anchor_problem is None,
                    "message": (
                        self.anchor_problem.message if self.anchor_problem else self.anchor_note
                    ),
                }
                if self.anchor
                else None
            ),
            "problems": [p.message for p in self.problems],
        }


# --- hashing and signatures -----------------------------------------------------------------


def entry_hash_fast(
    seq: int, kind: str, recorded_at: str, actor: str, payload: str, prev_hash: str
) -> bytes:
    """The raw SHA-256 of :func:`infoshare_cli.log.entry_message`, built without a dict.

    Byte for byte the same canonical JSON (keys in order, no spaces, non-ASCII kept), for
    fields of the right types; the tests hold it to ``compute_hash``.
    """
    message = (
        '{"actor":'
        + encode_basestring(actor)
        + ',"kind":'
        + encode_basestring(kind)
        + ',"payload":'
        + encode_basestring(payload)
        + ',"prev_hash":'
        + encode_basestring(prev_hash)
        + ',"recorded_at":'
        + encode_basestring(recorded_at)
        + ',"seq":'
        + int.__repr__(seq)
        + "}"
    )
    return hashlib.sha256(message.encode("utf-8")).digest()


class _Keys:
    """Public-key objects by their base64 text, built once each (None if not a valid key)."""

    def __init__(self) -> None:
        self._cache: dict[str, Ed25519PublicKey | None] = {}

    def get(self, text: object) -> Ed25519PublicKey | None:
        if not isinstance(text, str):
            return None
        try:
            return self._cache[text]
        except KeyError:
            pass
        try:
            raw = binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
            key = Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else None
        except (ValueError, UnicodeError, binascii.Error):
            key = None
        self._cache[text] = key
        return key


def _signature_ok(key: Ed25519PublicKey | None, signature: str, digest: bytes) -> bool:
    if key is None:
        return False
    try:
        raw = binascii.a2b_base64(signature.encode("ascii"), strict_mode=True)
        if len(raw) != 64:
            return False
        key.verify(raw, digest)
    except (InvalidSignature, ValueError, UnicodeError, binascii.Error):
        return False
    return True


# (seq, kind, recorded_at, signer name, key, signature, digest)
_SigJob = tuple[int, str, str, str, "Ed25519PublicKey | None", str, bytes]


def _first_bad_signature(jobs: list[_SigJob]) -> _SigJob | None:
    for job in jobs:
        if not _signature_ok(job[4], job[5], job[6]):
            return job
    return None


def _signature_problem(job: _SigJob) -> Problem:
    seq, kind, recorded_at, name, key, _sig, _digest = job
    if key is None:
        detail = (
            f"it is signed by {name}, but the key registered for them is not a valid signing "
            "key, so the signature cannot be checked."
        )
    else:
        detail = (
            f"its signature does not match {name}'s key as registered at the time — the entry "
            "was changed and re-sealed, or signed by someone else."
        )
    return Problem("signature", detail, seq, kind, recorded_at)


class _Signatures:
    """Checks signatures in ordered batches, on a thread pool when there is more than one core.

    Batches are drained oldest first, so the first failure found is the earliest.
    """

    def __init__(self, threads: int | None = None):
        if threads is None:
            threads = min(4, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(threads) if threads > 1 else None
        self._max_in_flight = 2 * threads
        self._batch: list[_SigJob] = []
        self._in_flight: deque[Future] = deque()
        self.failure: _SigJob | None = None

    def add(self, job: _SigJob) -> None:
        self._batch.append(job)
        if len(self._batch) >= _BATCH:
            self._submit()

    def _submit(self) -> None:
        batch, self._batch = self._batch, []
        if not batch or self.failure is not None:
            return
        if self._pool is None:
            self.failure = _first_bad_signature(batch)
            return
        self._in_flight.append(self._pool.submit(_first_bad_signature, batch))
        while len(self._in_flight) > self._max_in_flight and self.failure is None:
            self.failure = self._in_flight.popleft().result()

    def finish(self) -> _SigJob | None:
        self._submit()
        while self._in_flight and self.failure is None:
            self.failure = self._in_flight.popleft().result()
        for future in self._in_flight:
            future.cancel()
        self._in_flight.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return self.failure


# --- the pass over the entries --------------------------------------------------------------


class _Undecodable:
    """A TEXT value that is not valid UTF-8 (only a damaged or doctored file has one)."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes):
        self.raw = raw


def _text_factory(raw: bytes) -> object:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _Undecodable(raw)


def _load_object(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


class _Pass:
    """The state of one pass: the register as it stands, and the decisions seen so far."""

    def __init__(self, signatures: _Signatures):
        self.signatures = signatures
        self.keys = _Keys()
        self.register: dict[str, StaffMember] = {}
        self.decisions: dict[int, tuple[str, str]] = {}  # seq -> (hash, actor)
        self.expected = 1
        self.prev_hash = GENESIS_HASH
        self.head: Head | None = None

    # Each check returns a Problem for this entry, or None.

    def entry(self, row: tuple) -> Problem | None:
        seq, kind, recorded_at, actor, payload, prev_hash, stored_hash, signature = row
        if type(seq) is not int:
            return Problem("fields", "its number is not a whole number.", None)
        texts = (kind, recorded_at, actor, payload, prev_hash, stored_hash, signature)
        if not all(type(t) is str for t in texts):
            where = kind if type(kind) is str else None
            return Problem(
                "fields",
                "some of its fields are not text (the file was edited outside infoshare).",
                seq,
                where,
                recorded_at if type(recorded_at) is str else None,
            )

        def problem(code: str, detail: str) -> Problem:
            return Problem(code, detail, seq, kind, recorded_at)

        if seq != self.expected:
            if seq > self.expected:
                gap = (
                    f"entries #{self.expected} to #{seq - 1} are"
                    if seq - 1 > self.expected
                    else f"entry #{self.expected} is"
                )
                before = f"#{self.expected - 1}" if self.expected > 1 else "the start"
                return Problem(
                    "missing",
                    f"it is missing: the log goes from {before} straight to #{seq}, so {gap} "
                    "gone — deleted after it was written.",
                    self.expected,
                )
            return problem("order", "it is numbered out of sequence (numbering starts at 1).")

        digest = entry_hash_fast(seq, kind, recorded_at, actor, payload, prev_hash)
        if digest.hex() != stored_hash:
            return problem(
                "hash",
                "its contents do not match its hash — it was changed after it was written.",
            )
        if prev_hash != self.prev_hash:
            before = f"entry #{seq - 1}" if seq > 1 else "the start of the log"
            return problem(
                "chain",
                f"it does not follow on from {before} (the link between them is broken) — "
                "entries were changed, removed, inserted or reordered.",
            )

        parsed: dict | None = None
        if kind in ("staff", "cosign", "correction"):
            parsed = _load_object(payload)
            if parsed is None:
                return problem("fields", "its contents are not readable JSON.")

        found = self._signer_and_rules(seq, kind, actor, parsed, stored_hash, problem)
        if isinstance(found, Problem):
            return found
        name, key = found
        self.signatures.add((seq, kind, recorded_at, name, key, signature, digest))

        if kind == "staff":
            try:
                apply_staff_entry(self.register, seq, parsed)  # type: ignore[arg-type]
            except (KeyError, TypeError, AttributeError):
                return problem("fields", "its staff details are incomplete.")
        elif kind == "decision":
            self.decisions[seq] = (stored_hash, actor)

        self.expected = seq + 1
        self.prev_hash = stored_hash
        self.head = Head(seq, stored_hash, recorded_at)
        return None

    def _signer_and_rules(self, seq, kind, actor, payload, stored_hash, problem):
        """Who signed, and with which key; or the Problem with it."""
        member = self.register.get(actor)
        if kind == "staff":
            action = payload.get("action")
            staff_id = payload.get("staff_id")
            by = payload.get("by")
            if action == "register" and staff_id == actor and seq == 1:
                # The very first entry: the first manager registers themselves.
                if payload.get("role") != "manager":
                    return problem("rule", "the first person registered is not a manager.")
                return str(payload.get("name", actor)), self.keys.get(payload.get("public_key"))
            if by is not None and by != actor:
                return problem(
                    "rule", "it says it was authorised by one person but is signed by another."
                )
            if action not in ("register", "deactivate", "rekey"):
                return problem("rule", "it is a kind of staff change infoshare does not make.")
            if member is None:
                return self._unknown_signer(actor, problem)
            if not member.active:
                return self._deactivated_signer(member, problem)
            if action == "rekey":
                if staff_id != actor:
                    return problem(
                        "rule",
                        "it replaces someone's signing key, but is not signed by that person's "
                        "own key — a signing key was replaced.",
                    )
            elif not member.is_manager:
                return problem(
                    "rule",
                    f"it changes the staff register, but {member.name} who signed it is a "
                    f"{member.role}; only an active manager can.",
                )
            if action == "register" and staff_id in self.register:
                return problem(
                    "rule",
                    "it registers again someone who is already registered — a signing key was "
                    "replaced.",
                )
            if action == "deactivate" and staff_id not in self.register:
                return problem("rule", "it deactivates someone who was never registered.")
            return member.name, self.keys.get(member.public_key)

        if member is None:
            if seq == 1:
                return problem("rule", "the log does not begin by registering its first manager.")
            return self._unknown_signer(actor, problem)
        if not member.active:
            return self._deactivated_signer(member, problem)
        if kind == "cosign":
            rule = self._cosign_problem(member, payload, problem)
            if rule is not None:
                return rule
        elif kind == "correction" and "decision" in payload:
            target = payload.get("decision")
            if type(target) is not int or target not in self.decisions:
                return problem("rule", "it corrects a decision that is not earlier in the log.")
        return member.name, self.keys.get(member.public_key)

    def _cosign_problem(self, member: StaffMember, payload: dict, problem) -> Problem | None:
        target = payload.get("decision")
        if type(target) is not int or target not in self.decisions:
            return problem("rule", "it co-signs a decision that is not earlier in the log.")
        decision_hash, decided_by = self.decisions[target]
        if payload.get("decision_hash") != decision_hash:
            return problem(
                "rule",
                f"it co-signs decision #{target}, but names a different version of it (the "
                "decision's hash does not match) — one of them was changed.",
            )
        if member.staff_id == decided_by:
            return problem(
                "rule",
                f"decision #{target} is co-signed by the person who took it; a decision is "
                "never made by one person alone.",
            )
        if not member.is_manager:
            return problem(
                "rule",
                f"decision #{target} is co-signed by {member.name}, a {member.role}; only a "
                "manager can co-sign.",
            )
        return None

    def _unknown_signer(self, actor: str, problem) -> Problem:
        return problem(
            "signer",
            "it is signed by someone who is not in the staff register at that point "
            f"(staff id '{actor[:20]}').",
        )

    def _deactivated_signer(self, member: StaffMember, problem) -> Problem:
        return problem(
            "signer",
            f"it is signed by {member.name}, who had been deactivated (entry "
            f"#{member.since_seq}) and could no longer sign.",
        )


def check_entries(
    rows: Iterable[tuple],
    *,
    progress: Callable[[int], None] | None = None,
    threads: int | None = None,
) -> tuple[int, Head | None, Problem | None]:
    """Check entry rows in seq order; returns (entries checked, head, first bad entry)."""
    signatures = _Signatures(threads)
    state = _Pass(signatures)
    checked = 0
    structural: Problem | None = None
    try:
        for row in rows:
            structural = state.entry(row)
            if structural is not None:
                break
            checked += 1
            if progress is not None and checked % 1024 == 0:
                progress(checked)
            if signatures.failure is not None:
                break
    finally:
        failure = signatures.finish()
    first_bad = structural
    if failure is not None and (first_bad is None or (first_bad.seq or 0) > failure[0]):
        first_bad = _signature_problem(failure)
    if progress is not None:
        progress(checked)
    return checked, state.head, first_bad


# --- the schema -----------------------------------------------------------------------------


def _normal_sql(sql: str | None) -> str:
    return " ".join((sql or "").split())


@lru_cache(maxsize=8)
def _expected_schema(applied: frozenset[str]) -> dict[tuple[str, str], str]:
    """Every schema object a log with these migrations applied has, from a fresh memory log."""
    import sqlite_utils

    db = sqlite_utils.Database(memory=True)
    pending = [m.name for m in migrations._migrations if m.name not in applied]
    migrations.apply(db, stop_before=pending or None)
    rows = db.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    expected = {(t, n): _normal_sql(s) for t, n, s in rows}
    db.close()
    return expected


def _applied_migrations(conn: sqlite3.Connection) -> frozenset[str]:
    try:
        rows = conn.execute(
            f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ?",
            (MIGRATION_SET,),
        ).fetchall()
    except sqlite3.DatabaseError:
        return frozenset()
    return frozenset(str(r[0]) for r in rows)


def _schema_problems(conn: sqlite3.Connection) -> list[Problem]:
    expected = _expected_schema(_applied_migrations(conn))
    actual = {
        (t, n): (_normal_sql(s), table)
        for t, n, s, table in conn.execute(
            "SELECT type, name, sql, tbl_name FROM sqlite_master WHERE sql IS NOT NULL"
        )
    }
    found: list[Problem] = []
    for (kind, name), sql in expected.items():
        if (kind, name) not in actual:
            if kind == "trigger":
                detail = (
                    f"the safeguard '{name}', which stops entries being changed or deleted, "
                    "has been removed from the log file — someone switched it off, and "
                    "entries may have been altered."
                )
            else:
                detail = f"the {kind} '{name}' is missing from the log file."
            found.append(Problem("schema", detail))
        elif actual[(kind, name)][0] != sql:
            if kind == "trigger":
                detail = (
                    f"the safeguard '{name}' has been altered, so it may no longer stop "
                    "entries being changed or deleted."
                )
            else:
                detail = f"the {kind} '{name}' has been altered from what infoshare made."
            found.append(Problem("schema", detail))
    for (kind, name), (_sql, table) in actual.items():
        if kind == "trigger" and (kind, name) not in expected:
            found.append(
                Problem(
                    "schema",
                    f"there is an extra trigger '{name}' on '{table}' that infoshare did not "
                    "make; it could change what is written.",
                )
            )
    return found


def _integrity(conn: sqlite3.Connection) -> list[str]:
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows[:20]


# --- checking a log -------------------------------------------------------------------------


def verify_ledger(
    ledger: Ledger,
    *,
    anchor: Anchor | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
) -> Report:
    """Check everything about an open log, in one read transaction (a consistent snapshot)."""
    conn = ledger.db.conn
    report = Report(str(ledger.path), anchor=anchor)
    old_factory = conn.text_factory
    conn.text_factory = _text_factory
    began = False
    try:
        if not conn.in_transaction:
            conn.execute("BEGIN")
            began = True
        total = conn.execute("SELECT max(seq) FROM entries").fetchone()[0] or 0
        tick = None
        if progress is not None:
            progress(0, total)

            def tick(done: int) -> None:
                progress(done, total)

        cursor = conn.execute(
            "SELECT seq, kind, recorded_at, actor, payload, prev_hash, hash, signature "
            "FROM entries ORDER BY seq"
        )
        try:
            checked, head, first_bad = check_entries(cursor, progress=tick, threads=threads)
        finally:
            cursor.close()
        report.first_bad = first_bad
        report.head = head
        report.entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        if first_bad is not None and report.entries:
            report.head = _stored_head(conn)
        report.schema = _schema_problems(conn)
        report.integrity = _integrity(conn)
        if anchor is not None:
            _apply_anchor(conn, report, anchor)
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.text_factory = old_factory
    return report


def _stored_head(conn: sqlite3.Connection) -> Head | None:
    row = conn.execute(
        "SELECT seq, hash, recorded_at FROM entries ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    if row is None or not all(isinstance(v, str) for v in row[1:]):
        return None
    return Head(*row)


def verify_path(
    path: str | os.PathLike[str],
    *,
    anchor: Anchor | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
) -> Report:
    """Open a log read-only and check it. A file SQLite cannot read is a finding too."""
    with Ledger.open(path, readonly=True) as ledger:
        try:
            return verify_ledger(ledger, anchor=anchor, progress=progress, threads=threads)
        except sqlite3.DatabaseError as exc:
            report = Report(str(path), anchor=anchor)
            report.integrity = [f"SQLite cannot read the file ({str(exc)[:120]})"]
            return report


# --- anchors --------------------------------------------------------------------------------


def anchor_for(head: Head | None, count: int, today: date | None = None) -> Anchor:
    """The anchor statement for a log whose newest entry is ``head``."""
    if head is None:
        raise InfoshareError("The log is empty: there is nothing to anchor yet.")
    day = (today or datetime.now().astimezone().date()).isoformat()
    return Anchor(count, head.hash, day)


_ANCHOR_HELP = (
    "An anchor looks like infoshare-anchor:v1:42:<64 letters and digits>:2026-11-26, exactly "
    "as `infoshare anchor` printed it (or give the path of an earlier export)."
)


def parse_anchor(text: str) -> Anchor:
    """Read an anchor as people copy it: spaces around it and capital letters are fine."""
    if not isinstance(text, str):
        raise InfoshareError("That is not an anchor. " + _ANCHOR_HELP)
    cleaned = "".join(text.split()).lower()
    parts = cleaned.split(":")
    if len(parts) not in (4, 5) or parts[0] != ANCHOR_PREFIX:
        raise InfoshareError("That is not an infoshare anchor. " + _ANCHOR_HELP)
    if parts[1] != ANCHOR_VERSION:
        raise InfoshareError(
            "That anchor is from a version of infoshare this one does not know. " + _ANCHOR_HELP
        )
    count_text, hash_text = parts[2], parts[3]
    if not count_text.isascii() or not count_text.isdigit() or len(count_text) > 15:
        raise InfoshareError("The anchor's entry count is not a number. " + _ANCHOR_HELP)
    count = int(count_text)
    if count < 1:
        raise InfoshareError("The anchor's entry count must be 1 or more. " + _ANCHOR_HELP)
    if not re.fullmatch(f"[0-9a-f]{{{MIN_ANCHOR_HASH},64}}", hash_text):
        raise InfoshareError(
            f"The anchor's hash must be at least {MIN_ANCHOR_HASH} of the letters a-f and "
            "digits that `infoshare anchor` printed. " + _ANCHOR_HELP
        )
    day = parts[4] if len(parts) == 5 and parts[4] else None
    if day is not None:
        try:
            day = date.fromisoformat(day).isoformat() if len(day) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise InfoshareError("The anchor's date is not a date (YYYY-MM-DD). " + _ANCHOR_HELP)
    return Anchor(count, hash_text, day)


def read_anchor(text: str) -> Anchor:
    """An anchor statement, or the head of an earlier export given by its path."""
    stripped = text.strip() if isinstance(text, str) else ""
    if stripped.lower().startswith(ANCHOR_PREFIX) or not stripped:
        return parse_anchor(text)
    path = Path(stripped)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):
        is_file = False
    if not is_file:
        return parse_anchor(text)
    export = _load_export(path)
    head = export.get("head")
    if (
        not isinstance(head, dict)
        or type(head.get("seq")) is not int
        or head["seq"] < 1
        or not isinstance(head.get("hash"), str)
        or not _HEX64.fullmatch(head["hash"])
    ):
        raise InfoshareError(f"The export {path.name} does not record the log's head.")
    when = export.get("exported_at")
    day = (
        when[:10] if isinstance(when, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", when[:10]) else None
    )
    return Anchor(head["seq"], head["hash"], day, source=f"the export {path.name}")


def check_anchor(report_entries: int, hash_at: Callable[[int], str | None], anchor: Anchor):
    """(problem, note): does the log still hold the anchored entry, with that hash?"""
    if report_entries < anchor.count:
        return (
            Problem(
                "anchor",
                f"the log has only {report_entries} entries, but {anchor.described} recorded "
                f"{anchor.count}: entries have been removed from the end of the log, or an "
                "older copy of it has been put back.",
            ),
            "",
        )
    stored = hash_at(anchor.count)
    if not isinstance(stored, str) or not stored.startswith(anchor.hash):
        return (
            Problem(
                "anchor",
                f"entry #{anchor.count} no longer has the hash {anchor.described} recorded: "
                "the log has been rewritten, or replaced by a different copy (such as an "
                "older backup with new entries added since).",
            ),
            "",
        )
    grown = report_entries - anchor.count
    return None, (
        f"The log still contains {anchor.described} (entry #{anchor.count}, unchanged)"
        + (f" and {grown} entries written since." if grown else ", and nothing since.")
    )


def _apply_anchor(conn: sqlite3.Connection, report: Report, anchor: Anchor) -> None:
    def hash_at(seq: int) -> str | None:
        row = conn.execute("SELECT hash FROM entries WHERE seq = ?", (seq,)).fetchone()
        return row[0] if row else None

    report.anchor_problem, report.anchor_note = check_anchor(report.entries, hash_at, anchor)


# --- checking an export ---------------------------------------------------------------------


@dataclass
class ExportReport:
    path: str
    decisions: int = 0
    entries: int = 0
    keys: int = 0
    head: dict | None = None
    exported_at: str | None = None
    problems: list[Problem] = field(default_factory=list)
    anchor: Anchor | None = None
    anchor_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "export": self.path,
            "decisions": self.decisions,
            "entries": self.entries,
            "public_keys": self.keys,
            "head": self.head,
            "exported_at": self.exported_at,
            "first_bad_entry": self.first_bad.to_json() if self.first_bad else None,
            "anchor": (
                {"text": self.anchor.text, "ok": self.ok, "message": self.anchor_note}
                if self.anchor
                else None
            ),
            "problems": [p.message for p in self.problems],
        }


def _load_export(path: Path) -> dict:
    """An export as one dict (JSONL is folded into the JSON shape). Raises InfoshareError."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InfoshareError(f"{path.name} is not an infoshare export (it is not text).") from None
    except OSError as exc:
        raise InfoshareError(f"Could not read {path}: {exc.strerror}.") from None
    not_export = InfoshareError(
        f"{path.name} is not an infoshare export (JSON or JSONL from `infoshare export`)."
    )
    try:
        whole = json.loads(text)
    except (ValueError, RecursionError):
        whole = None
    if isinstance(whole, dict):
        whole.setdefault("_jsonl", False)
        return whole
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise not_export
    try:
        records = [json.loads(line) for line in lines]
    except (ValueError, RecursionError):
        raise not_export from None
    if not all(isinstance(r, dict) for r in records) or records[0].get("type") != "header":
        raise not_export
    export = {k: v for k, v in records[0].items() if k != "type"}
    export["decisions"] = []
    footer = None
    for i, record in enumerate(records[1:], start=2):
        kind = record.get("type")
        if kind == "decision":
            if footer is not None:
                export["_misplaced"] = i
            export["decisions"].append({k: v for k, v in record.items() if k != "type"})
        elif kind == "footer" and footer is None:
            footer = record
        else:
            export["_misplaced"] = i
    export["count"] = footer.get("count") if footer else None
    export["_jsonl"] = True
    export["_footer"] = footer is not None
    return export


_DECISION_FIELDS = (
    "case_ref",
    "outcome",
    "answers",
    "basis",
    "urgent",
    "revisits",
    "outcome_record",
    "question_set",
)
_ENTRY_FIELDS = ("seq", "kind", "recorded_at", "actor", "payload", "prev_hash", "hash", "signature")


def verify_export(path: str | os.PathLike[str], anchor: Anchor | None = None) -> ExportReport:
    """Check an export on its own: hashes, signatures with its keys, head, counts, links."""
    path = Path(path)
    data = _load_export(path)
    report = ExportReport(str(path), anchor=anchor)
    problems = report.problems
    if data.get("format") != EXPORT_FORMAT:
        raise InfoshareError(
            f"{path.name} is not an infoshare export this version can check (its format is "
            f"not {EXPORT_FORMAT})."
        )
    report.exported_at = (
        data.get("exported_at") if isinstance(data.get("exported_at"), str) else None
    )

    head = data.get("head")
    head_ok = (
        isinstance(head, dict)
        and type(head.get("seq")) is int
        and head["seq"] >= 0
        and isinstance(head.get("hash"), str)
        and bool(_HEX64.fullmatch(head["hash"]))
    )
    if head_ok:
        report.head = {"seq": head["seq"], "hash": head["hash"]}
    else:
        problems.append(
            Problem("head", "the export does not record the log's head (its newest entry).")
        )

    keys = _Keys()
    key_table: dict[str, list[tuple[int, str, str]]] = {}  # staff id -> [(from_seq, key, name)]
    public_keys = data.get("public_keys")
    if not isinstance(public_keys, list):
        problems.append(Problem("keys", "the export does not list the staff's public keys."))
        public_keys = []
    for item in public_keys:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("staff_id"), str)
            and isinstance(item.get("public_key"), str)
            and type(item.get("from_seq")) is int
        ):
            problems.append(Problem("keys", "one of the export's public keys is incomplete."))
            continue
        name = item.get("name") if isinstance(item.get("name"), str) else item["staff_id"]
        key_table.setdefault(item["staff_id"], []).append(
            (item["from_seq"], item["public_key"], name)
        )
    report.keys = sum(len(v) for v in key_table.values())
    for entries in key_table.values():
        entries.sort()

    decisions = data.get("decisions")
    if not isinstance(decisions, list):
        problems.append(Problem("decisions", "the export has no list of decisions."))
        decisions = []
    report.decisions = len(decisions)
    count = data.get("count")
    if data.get("_jsonl") and not data.get("_footer"):
        problems.append(
            Problem("count", "the export's last line (its footer) is missing: it was cut short.")
        )
    elif data.get("_misplaced"):
        problems.append(
            Problem("count", f"line {data['_misplaced']} of the export is out of place.")
        )
    elif count != len(decisions):
        problems.append(
            Problem(
                "count",
                f"the export says it holds {count} decisions but has {len(decisions)}: "
                "decisions were removed from it or added to it.",
            )
        )

    seen: dict[int, tuple] = {}
    entry_problems: list[Problem] = []
    for index, decision in enumerate(decisions, start=1):
        entry_problems += _export_decision(
            index, decision, keys, key_table, head if head_ok else None, seen
        )
    # Adjacent entries must link up, as in the log itself.
    for seq in sorted(seen):
        if seq - 1 in seen and seen[seq][5] != seen[seq - 1][6]:
            entry_problems.append(
                Problem(
                    "chain",
                    f"it does not follow on from entry #{seq - 1} (the link between them is "
                    "broken).",
                    seq,
                    seen[seq][1],
                    seen[seq][2],
                )
            )
    report.entries = len(seen)
    entry_problems.sort(key=lambda p: p.seq if p.seq is not None else -1)
    problems += entry_problems
    if anchor is not None and head_ok:
        _export_anchor(report, anchor, head, seen)
    return report


def _export_anchor(report: ExportReport, anchor: Anchor, head: dict, seen: dict) -> None:
    def hash_at(seq: int) -> str | None:
        if seq == head["seq"]:
            return head["hash"]
        return seen[seq][6] if seq in seen else None

    if anchor.count < head["seq"] and anchor.count not in seen:
        report.anchor_note = (
            f"The export was taken at entry #{head['seq']}, after {anchor.described} "
            f"(entry #{anchor.count}); the anchored entry itself is not in the export, so "
            "check the log with `infoshare verify --anchor`."
        )
        return
    problem, note = check_anchor(head["seq"], hash_at, anchor)
    if problem is not None:
        report.problems.append(problem)
    report.anchor_note = note


def _key_for(key_table: dict, actor: str, seq: int) -> tuple[str | None, str]:
    """The signing key for ``actor`` at entry ``seq``: greatest from_seq < seq."""
    best = None
    for from_seq, key, name in key_table.get(actor, ()):
        if from_seq < seq:
            best = (key, name)
        else:
            break
    return best if best else (None, actor[:20])


def _export_decision(
    index: int,
    decision: object,
    keys: _Keys,
    key_table: dict,
    head: dict | None,
    seen: dict[int, tuple],
) -> list[Problem]:
    if not isinstance(decision, dict):
        return [Problem("fields", f"decision number {index} in the export is not a record.")]
    raw_entries = decision.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        return [
            Problem(
                "fields",
                f"decision number {index} in the export carries no signed entries, so it "
                "cannot be checked.",
            )
        ]
    found: list[Problem] = []
    rows: list[tuple] = []
    for raw in raw_entries:
        row = tuple(raw.get(f) for f in _ENTRY_FIELDS) if isinstance(raw, dict) else (None,) * 8
        seq, kind, recorded_at, actor, payload, prev_hash, stored_hash, signature = row
        if type(seq) is not int or not all(
            isinstance(v, str)
            for v in (kind, recorded_at, actor, payload, prev_hash, stored_hash, signature)
        ):
            found.append(
                Problem(
                    "fields",
                    f"an entry of decision number {index} in the export is incomplete.",
                    seq if type(seq) is int else None,
                )
            )
            continue

        def problem(code: str, detail: str, _s=seq, _k=kind, _r=recorded_at) -> Problem:
            return Problem(code, detail, _s, _k, _r)

        digest = entry_hash_fast(seq, kind, recorded_at, actor, payload, prev_hash)
        if digest.hex() != stored_hash:
            found.append(
                problem(
                    "hash",
                    "its contents do not match its hash — it was changed after it was written.",
                )
            )
            continue
        if seq in seen and seen[seq] != row:
            found.append(problem("duplicate", "it appears twice in the export, differently."))
            continue
        seen[seq] = row
        if head is not None:
            if seq > head["seq"]:
                found.append(
                    problem("head", "it is newer than the head the export records — it was added.")
                )
                continue
            if seq == head["seq"] and stored_hash != head["hash"]:
                found.append(
                    problem("head", "it is the head the export records, with a different hash.")
                )
                continue
        key_text, name = _key_for(key_table, actor, seq)
        if key_text is None:
            found.append(
                problem("signer", "its signer has no public key in the export before this entry.")
            )
            continue
        if not _signature_ok(keys.get(key_text), signature, digest):
            found.append(
                problem(
                    "signature",
                    f"its signature does not match {name}'s key as listed in the export — it was "
                    "changed and re-sealed, or signed by someone else.",
                )
            )
            continue
        rows.append(row)
    if found:
        return found
    return _export_decision_fields(index, decision, rows, key_table)


def _export_decision_fields(
    index: int, decision: dict, rows: list[tuple], key_table: dict
) -> list[Problem]:
    """The readable fields of a decision must say what its signed entries say."""
    main = [r for r in rows if r[1] == "decision"]
    if len(main) != 1:
        return [
            Problem(
                "fields",
                f"decision number {index} in the export does not carry exactly one signed "
                "decision entry.",
            )
        ]
    seq, kind, recorded_at, actor, payload_text, _prev, decision_hash, _sig = main[0]

    def problem(detail: str, row: tuple = main[0]) -> Problem:
        return Problem("fields", detail, row[0], row[1], row[2])

    payload = _load_object(payload_text)
    if payload is None:
        return [problem("its contents are not readable JSON.")]
    found: list[Problem] = []
    if decision.get("id") != seq:
        found.append(problem(f"it is shown in the export as decision #{decision.get('id')}."))
    if "recorded_at" in decision and decision["recorded_at"] != recorded_at:
        found.append(problem("the time shown for it in the export is not the time it was signed."))
    for name in _DECISION_FIELDS:
        if name in decision and decision[name] != payload.get(name):
            found.append(
                problem(
                    f"its '{name}' as shown in the export differs from what was signed — the "
                    "export was edited."
                )
            )
    names = {sid: entries[-1][2] for sid, entries in key_table.items() if entries}
    decided_by = decision.get("decided_by")
    if isinstance(decided_by, str) and actor in names and decided_by not in (names[actor], actor):
        found.append(problem("the export names someone else as the person who took it."))
    for row in rows:
        if row[1] not in ("cosign", "correction"):
            continue
        body = _load_object(row[4])
        if body is None or body.get("decision") != seq:
            found.append(problem(f"entry #{row[0]} does not belong to this decision.", row))
        elif row[1] == "cosign":
            if body.get("decision_hash") != decision_hash:
                found.append(
                    problem(
                        "it co-signs a different version of the decision (the decision's hash "
                        "does not match) — one of them was changed.",
                        row,
                    )
                )
            elif row[3] == actor:
                found.append(
                    problem(
                        "the decision is co-signed by the person who took it; a decision is "
                        "never made by one person alone.",
                        row,
                    )
                )
    return found


def iter_problem_lines(report: Report | ExportReport) -> Iterator[str]:
    for p in report.problems:
        yield p.message
