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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infoshare_cli.integrity.exports import ExportReport

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from infoshare_cli.domain.erasure import Erased
from infoshare_cli.domain.signing import Rulebook
from infoshare_cli.domain.text import displayable

ANCHOR_PREFIX = "infoshare-anchor"
ANCHOR_VERSION = "v1"  # count, hash, date
ANCHOR_VERSION_KEYS = "v2"  # count, hash, date and the staff keys' fingerprint
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
    "erase": "an erasure",
    "migration": "the link to the log this one was migrated from",
    "imported": "an entry carried over from the old log",
    "questions": "a question set kept in the log",
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
        """The problem in plain words, through the display filter (it may quote the log)."""
        return displayable(self._message())

    def _message(self) -> str:
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
class NoteSignature:
    """One signature line of a signed anchor (integrity/anchor_note.py)."""

    name: str  # the key name: a staff id
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Anchor:
    """A statement of the log's head: the first ``count`` entries end with ``hash``."""

    count: int
    hash: str  # lowercase hex: all 64 digits, or at least MIN_ANCHOR_HASH of them
    date: str | None = None  # YYYY-MM-DD, for people
    source: str = "the anchor"
    # The fingerprint of the staff's signing keys up to ``count`` (lowercase hex: all 64
    # digits, or at least MIN_ANCHOR_HASH of them); None for anchors of the older form.
    keys: str | None = None
    # A signed anchor (a C2SP signed note): the log it names, the text its managers signed,
    # and their signatures. None and () for an anchor given as one line.
    origin: str | None = None
    signed_text: str | None = None
    signatures: tuple[NoteSignature, ...] = ()

    @property
    def text(self) -> str:
        if self.keys is None:
            return f"{ANCHOR_PREFIX}:{ANCHOR_VERSION}:{self.count}:{self.hash}:{self.date or ''}"
        return (
            f"{ANCHOR_PREFIX}:{ANCHOR_VERSION_KEYS}:{self.count}:{self.hash}:"
            f"{self.date or ''}:{self.keys}"
        )

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
    # Older anchors given beside the newest (``anchor``): (anchor, problem or None, note).
    older_anchors: list[tuple[Anchor, Problem | None, str]] = field(default_factory=list)
    erased: list[Erased] = field(default_factory=list)  # reported, never a problem
    # Schema changes an older (but fully safeguarded) log has not had yet: a note, not a
    # problem; any other command brings it up to date.
    not_yet_applied: list[str] = field(default_factory=list)
    keys: list[Problem] = field(default_factory=list)  # record keys missing or put back
    # Decisions whose outcome was recomputed from their answers; those whose recorded
    # outcome does not follow; those whose question set is nowhere to be found.
    recomputed: int = 0
    outcomes: list[Problem] = field(default_factory=list)
    not_recomputed: list[int] = field(default_factory=list)
    # Answers sealed: not recomputed here. (Compact: at 100,000 decisions a list of them
    # took 3.6 MB of verify's memory, an array takes 0.8 MB.)
    sealed: Sequence[int] = field(default_factory=list)
    # What infoshare keeps beside the entries to read them quickly (the list of decisions
    # awaiting co-signature...), where it does not match the entries it is worked out from.
    derived: list[Problem] = field(default_factory=list)
    # Entry seq -> decision number, for the decisions the report names (erased, not
    # recomputed), so people can find them; empty for a log without numbers yet.
    decision_numbers: dict[int, int] = field(default_factory=dict)
    # Exporters' signed statements of a head that passed the whole check
    # (integrity/checked_heads.py): how many hold, and what is wrong with the others.
    checked_heads_held: int = 0
    checked_heads: list[Problem] = field(default_factory=list)
    # The pass itself: entries up to ``trusted_upto`` had their signatures taken as checked
    # (an export resting on a checked head; 0 for verify), how many signatures it checked,
    # the digest of the signature column (to the head, and to ``trusted_upto``), and the
    # staff register as it left it.
    trusted_upto: int = 0
    signatures_checked: int = 0
    signatures_sha256: str = ""
    signatures_upto: str | None = None
    rules: Rulebook | None = None

    @property
    def ok(self) -> bool:
        return (
            self.first_bad is None
            and not self.schema
            and not self.keys
            and not self.integrity
            and self.anchor_problem is None
            and all(problem is None for _, problem, _ in self.older_anchors)
            and not self.outcomes
            and not self.derived
            and not self.checked_heads
        )

    @property
    def problems(self) -> list[Problem]:
        found = [self.first_bad] if self.first_bad else []
        found += self.schema
        found += self.keys
        found += [Problem("integrity", f"SQLite's integrity check: {m}") for m in self.integrity]
        if self.anchor_problem:
            found.append(self.anchor_problem)
        found += [problem for _, problem, _ in self.older_anchors if problem is not None]
        found += self.outcomes
        found += self.checked_heads
        found += self.derived
        return found

    @property
    def only_derived(self) -> bool:
        """Every problem is in the derived data: the signed record itself holds."""
        return bool(self.derived) and self.problems == self.derived

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
            "outcomes": {
                "recomputed": self.recomputed,
                "not_recomputed": self.not_recomputed,
                "sealed": list(self.sealed),
                "problems": [p.to_json() for p in self.outcomes],
            },
            "schema_problems": [p.to_json() for p in self.schema],
            "derived_data_problems": [p.to_json() for p in self.derived],
            "checked_heads": {
                "holding": self.checked_heads_held,
                "problems": [p.to_json() for p in self.checked_heads],
            },
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
            "older_anchors": [
                {
                    "text": a.text,
                    "ok": problem is None,
                    "message": problem.message if problem else note,
                }
                for a, problem, note in self.older_anchors
            ],
            "problems": [p.message for p in self.problems],
            "erased": [
                {
                    "decision": e.decision,
                    "decision_number": self.decision_numbers.get(e.decision),
                    "erased_by": e.by,
                    "cosigned_by": e.confirmed_by,
                    "entry": e.erase_seq,
                    "erased_at": e.erased_at,
                    "reason": e.reason,
                    "why": e.why,
                }
                for e in self.erased
            ],
        }


def iter_problem_lines(report: Report | ExportReport) -> Iterator[str]:
    for p in report.problems:
        yield p.message
