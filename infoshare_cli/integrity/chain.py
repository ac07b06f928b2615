"""The pass over the entries: numbering, the hash chain, staff, co-signature and erasure rules."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from infoshare_cli.domain.erasure import CONFIRM, Erased, erased_records
from infoshare_cli.domain.shapes import shape_detail, shape_problem
from infoshare_cli.domain.signing import CONFIRM_RESET, RESET, Broken, Rulebook
from infoshare_cli.domain.timeline import behind_by, describe_gap
from infoshare_cli.integrity.outcomes import OutcomeCheck
from infoshare_cli.integrity.report import Head, Problem
from infoshare_cli.integrity.signatures import (
    _signature_problem,
    _Signatures,
    entry_hash_fast,
)
from infoshare_cli.ledger.entries import GENESIS_HASH, json_loader

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


_NOT_JSON = object()


def _load_object(text: str) -> dict | None:
    """The parsed payload if it is a JSON object, else None."""
    value = _load(text)
    return value if isinstance(value, dict) else None


_LOADS = json_loader()  # json.loads, with the same results and errors


def _load(text: str) -> Any:
    """The parsed payload, or ``_NOT_JSON``."""
    try:
        return _LOADS(text)
    except (TypeError, ValueError, RecursionError):
        return _NOT_JSON


_RECENT = 4096  # decisions DecisionsSoFar keeps at hand


class DecisionsSoFar(Mapping[int, tuple[str, str]]):
    """The decisions the pass has already checked, seq -> (hash, actor), read back from the
    log on demand instead of held in memory (a dict of them grew by ~30 MiB per 100,000).

    Used inside the pass's read transaction, so the rows are the ones the pass checked: a
    decision is found only once the pass has gone beyond it (its seq is below the entry
    being checked), and its stored hash is then the one the pass recomputed and compared.
    """

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._count = 0
        self.upto = 0  # seq of the entry being checked: decisions below it have been passed
        # The newest few decisions, which most co-signatures follow closely: a lookup
        # without SQL. Bounded, so memory does not grow with the log.
        self._recent: dict[int, tuple[str, str]] = {}
        self._order: deque[int] = deque()

    def add(self, seq: int, stored_hash: str, actor: str) -> None:
        self._count += 1
        self._recent[seq] = (stored_hash, actor)
        self._order.append(seq)
        if len(self._order) > _RECENT:
            del self._recent[self._order.popleft()]

    def _row(self, seq: object) -> tuple[str, str] | None:
        if type(seq) is not int or not 0 < seq < self.upto:
            return None
        found = self._recent.get(seq)
        if found is not None:
            return found
        row = self._conn.execute(
            "SELECT hash, actor FROM entries WHERE seq = ? AND kind = 'decision'", (seq,)
        ).fetchone()
        return (row[0], row[1]) if row is not None else None

    def __getitem__(self, seq: object) -> tuple[str, str]:
        row = self._row(seq)
        if row is None:
            raise KeyError(seq)
        return row

    def __contains__(self, seq: object) -> bool:
        return self._row(seq) is not None

    def __iter__(self) -> Iterator[int]:
        cursor = self._conn.execute(
            "SELECT seq FROM entries WHERE kind = 'decision' AND seq < ? ORDER BY seq",
            (self.upto,),
        )
        return (row[0] for row in cursor)

    def __len__(self) -> int:
        return self._count


class _InMemory(dict):
    """Decisions seen so far, held in a dict (for rows that do not come from a log file)."""

    upto = 0

    def add(self, seq: int, stored_hash: str, actor: str) -> None:
        self[seq] = (stored_hash, actor)


@dataclass
class PassRecord:
    """What a pass leaves for its caller besides its result (see :func:`check_entries`).

    ``signatures``: the SHA-256 (hex) of every checked entry's signature column, each
    followed by a newline, from #1 on: the entry hash covers every column but the hash and
    the signature, so a checked head states this too (integrity/checked_heads.py).
    ``signatures_upto``: the same up to the trusted entry, when there is one.
    ``signatures_checked``: how many Ed25519 signatures the pass checked (the entries after
    the trusted one). ``rules``: the staff register as the pass left it.
    """

    signatures: str = ""
    signatures_upto: str | None = None
    signatures_checked: int = 0
    rules: Rulebook | None = None


class _Pass:
    """The state of one pass: the register as it stands, and the decisions seen so far."""

    def __init__(
        self,
        signatures: _Signatures,
        decisions: DecisionsSoFar | None = None,
        outcomes: OutcomeCheck | None = None,
        trusted_upto: int = 0,
    ):
        self.signatures = signatures
        self.outcomes = outcomes
        # Entries up to this one passed the whole check before, by a statement the caller
        # trusts: see trusted_entry.
        self.trusted_upto = trusted_upto
        self.rules = Rulebook()
        # seq -> (hash, actor)
        self.decisions: DecisionsSoFar | _InMemory = (
            decisions if decisions is not None else _InMemory()
        )
        self.pending_erase: tuple[int, str, str, dict] | None = None  # waiting for co-signing
        # a passphrase reset waiting for its second manager: (seq, hash, actor, staff id)
        self.pending_reset: tuple[int, str, str, str] | None = None
        self.erasures: list[Erased] = []
        self.expected = 1
        self.prev_hash = GENESIS_HASH
        self.last: tuple[int, str, str] | None = None  # (seq, kind, recorded_at)
        self.newest_time = ""  # the latest recorded_at so far, and its entry
        self.newest_seq = 0

    # Each check returns a Problem for this entry, or None.

    def trusted_entry(self, row: tuple) -> Problem | None:
        """An entry up to the trusted head, which passed every check before under the same
        rules (the caller trusts a statement that says so): its numbering, hash and link are
        checked again, and it is folded into the state the later entries are checked
        against. Recomputing the hash proves its content is what passed; the rules depend
        on nothing but the entries before, so they would give the same answer (and the
        decisions' outcomes, recomputed from these same bytes, too). Staff, erase and
        question-set entries, which change that state, and anything out of the ordinary, go
        through :meth:`entry` (without their signatures)."""
        seq, kind, recorded_at, actor, payload, prev_hash, stored_hash, _signature = row
        if not (
            type(seq) is int
            and seq == self.expected
            and type(kind) is str
            and kind not in ("staff", "erase", "questions")
            and type(recorded_at) is str
            and type(actor) is str
            and type(payload) is str
            and type(prev_hash) is str
            and prev_hash == self.prev_hash
            and type(stored_hash) is str
            and entry_hash_fast(seq, kind, recorded_at, actor, payload, prev_hash).hex()
            == stored_hash
            and self.pending_erase is None
            and self.pending_reset is None
        ):
            return self.entry(row)  # the whole check of it, which names any problem
        if recorded_at >= self.newest_time:
            self.newest_time, self.newest_seq = recorded_at, seq
        self.decisions.upto = seq
        if kind == "decision":
            self.decisions.add(seq, stored_hash, actor)
        self.expected = seq + 1
        self.prev_hash = stored_hash
        self.last = (seq, kind, recorded_at)
        return None

    def entry(self, row: tuple) -> Problem | None:
        seq, kind, recorded_at, actor, payload, prev_hash, stored_hash, signature = row
        if type(seq) is not int:
            return Problem("fields", "its number is not a whole number.", None)
        if not (
            type(kind) is str
            and type(recorded_at) is str
            and type(actor) is str
            and type(payload) is str
            and type(prev_hash) is str
            and type(stored_hash) is str
            and type(signature) is str
        ):
            return Problem(
                "fields",
                "some of its fields are not text (the file was edited outside infoshare).",
                seq,
                kind if type(kind) is str else None,
                recorded_at if type(recorded_at) is str else None,
            )

        where = (seq, kind, recorded_at)
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
            return Problem(
                "order", "it is numbered out of sequence (numbering starts at 1).", *where
            )

        digest = entry_hash_fast(seq, kind, recorded_at, actor, payload, prev_hash)
        if digest.hex() != stored_hash:
            return Problem(
                "hash",
                "its contents do not match its hash — it was changed after it was written.",
                *where,
            )
        if prev_hash != self.prev_hash:
            before = f"entry #{seq - 1}" if seq > 1 else "the start of the log"
            return Problem(
                "chain",
                f"it does not follow on from {before} (the link between them is broken) — "
                "entries were changed, removed, inserted or reordered.",
                *where,
            )
        if recorded_at >= self.newest_time:
            self.newest_time, self.newest_seq = recorded_at, seq
        else:
            behind = behind_by(self.newest_time, recorded_at)
            if behind is not None:
                return Problem(
                    "time",
                    f"its time is {describe_gap(behind)} before that of entry #{self.newest_seq}, "
                    "written before it — time runs backwards here: the entry was backdated, or "
                    "the computer's clock was turned back.",
                    *where,
                )

        # Every payload is held to the shape infoshare writes (domain/shapes.py; the
        # readers use the same rule): sealed fields are checked by `verify --as`.
        loaded = _load(payload)
        if loaded is _NOT_JSON:
            return Problem("fields", "its contents are not readable JSON.", *where)
        shape = shape_problem(kind, loaded)
        if shape is not None:
            return Problem("fields", shape_detail(shape), *where)
        parsed: dict = loaded

        self.decisions.upto = seq
        pending = self.pending_erase
        confirming = kind == "erase" and parsed is not None and parsed.get("action") == CONFIRM
        if pending is not None and not confirming:
            return Problem(
                "rule",
                f"it follows an erasure (entry #{pending[0]}) that was never co-signed.",
                *where,
            )
        resetting = self.pending_reset
        if resetting is not None and not (
            kind == "staff" and parsed is not None and parsed.get("action") == CONFIRM_RESET
        ):
            return Problem(
                "rule",
                f"it follows a passphrase reset (entry #{resetting[0]}) that no second manager "
                "confirmed.",
                *where,
            )
        found = self.rules.signer(
            seq,
            kind,
            actor,
            parsed,
            self.decisions,
            pending[:3] if pending else None,
            pending_reset=resetting,
        )
        if isinstance(found, Broken):
            return Problem(found.code, found.detail, *where)
        if seq > self.trusted_upto:
            self.signatures.add(
                (seq, kind, recorded_at, found.name, found.public_key, signature, digest)
            )

        if kind == "staff" and parsed is not None:  # parsed above for every staff entry
            try:
                self.rules.apply(seq, parsed)
            except (KeyError, TypeError, AttributeError):
                return Problem("fields", "its staff details are incomplete.", *where)
            action = parsed.get("action")
            if action == RESET:
                self.pending_reset = (seq, stored_hash, actor, str(parsed.get("staff_id")))
            elif action == CONFIRM_RESET:
                self.pending_reset = None
        elif kind == "decision":
            self.decisions.add(seq, stored_hash, actor)
            if self.outcomes is not None:
                self.outcomes.decision(seq, recorded_at, parsed)
        elif kind == "questions" and self.outcomes is not None:
            self.outcomes.questions(seq, recorded_at, payload)
        elif kind == "erase" and parsed is not None:  # parsed above for every erase entry
            self._erase(seq, stored_hash, actor, recorded_at, parsed)

        self.expected = seq + 1
        self.prev_hash = stored_hash
        self.last = where  # the head, made a Head once at the end
        return None

    def _erase(self, seq: int, digest: str, actor: str, at: str, payload: dict) -> None:
        if payload.get("action") != CONFIRM:
            self.pending_erase = (seq, digest, actor, payload)
            return
        if self.pending_erase is None:  # the signing rules refused a confirmation of nothing
            return
        erase_seq, _, by, request = self.pending_erase
        self.pending_erase = None
        by = self._name(by, erase_seq)
        confirmed_by = self._name(actor, seq)
        for decision, record in erased_records(request):
            self.erasures.append(
                Erased(
                    decision,
                    record,
                    erase_seq,
                    at,
                    by,
                    confirmed_by,
                    str(request.get("reason")),
                    str(request.get("why", "")),
                )
            )

    def _name(self, staff_id: str, seq: int) -> str:
        member = self.rules.member_at(staff_id, seq)
        return member.name if member is not None else staff_id

    def unfinished(self) -> Problem | None:
        """An erasure, or a passphrase reset, still waiting for its second manager when the
        log ends."""
        if self.pending_reset is not None:
            return Problem(
                "rule",
                "it resets a passphrase, but no second manager confirmed it.",
                self.pending_reset[0],
                "staff",
            )
        if self.pending_erase is None:
            return None
        return Problem(
            "rule",
            "it erases a record, but no second manager co-signed it.",
            self.pending_erase[0],
            "erase",
        )


def check_entries(
    rows: Iterable[tuple],
    *,
    progress: Callable[[int], None] | None = None,
    threads: int | None = None,
    processes: bool = False,
    erasures: list[Erased] | None = None,
    decisions: DecisionsSoFar | None = None,
    outcomes: OutcomeCheck | None = None,
    trusted_upto: int = 0,
    record: PassRecord | None = None,
) -> tuple[int, Head | None, Problem | None]:
    """Check entry rows in seq order; returns (entries checked, head, first bad entry).

    ``trusted_upto``: entries up to this seq passed the whole check before, as a checked
    head the caller trusts states (only ``export`` gives one; ``verify`` never does). Their
    numbering, hashes and links are checked again, and the register and erasures the later
    entries are checked against are built from them (:meth:`_Pass.trusted_entry`); their
    signatures and rules are not, and ``record.signatures_upto`` lets the caller hold their
    signature column to the statement. ``record`` receives what :class:`PassRecord` lists.

    ``erasures``, if given, receives every co-signed erasure found on the way.
    ``processes``: check the signatures in worker processes (for a large log; see
    :class:`~infoshare_cli.integrity.signatures._Signatures`).
    ``decisions``: where earlier decisions are looked up (:class:`DecisionsSoFar` when the
    rows come from a log in a read transaction); else they are kept in memory.
    ``outcomes``, if given, is fed every decision and question set that passes, in order
    (when the first bad entry is None, that is every one of them).
    """
    signatures = _Signatures(threads, processes)
    state = _Pass(signatures, decisions, outcomes, trusted_upto)
    signed = hashlib.sha256()
    checked = 0
    structural: Problem | None = None
    try:
        for row in rows:
            # Up to a trusted head: hash, link and state only (see _Pass.trusted_entry).
            structural = state.trusted_entry(row) if checked < trusted_upto else state.entry(row)
            if structural is not None:
                break
            checked += 1
            signed.update(row[7].encode())  # text: the pass refuses anything else
            signed.update(b"\n")
            if checked == trusted_upto and record is not None:
                record.signatures_upto = signed.hexdigest()
            if progress is not None and checked % 1024 == 0:
                progress(checked)
            if signatures.failure is not None:
                break
        if structural is None:
            structural = state.unfinished()
    finally:
        failure = signatures.finish()
    if erasures is not None:
        erasures.extend(state.erasures)
    first_bad = structural
    if failure is not None and (first_bad is None or (first_bad.seq or 0) > failure[0]):
        first_bad = _signature_problem(failure)
    if progress is not None:
        progress(checked)
    head = Head(state.last[0], state.prev_hash, state.last[2]) if state.last else None
    if record is not None:
        record.signatures = signed.hexdigest()
        record.signatures_checked = signatures.added
        record.rules = state.rules
    return checked, head, first_bad
