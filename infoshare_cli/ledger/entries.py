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

import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from infoshare_cli.domain.shapes import well_shaped
from infoshare_cli.ledger.crypto import canonical_json, loads_whole, sha256_hex

if TYPE_CHECKING:
    pass


GENESIS_HASH = "0" * 64
# "questions": the full text of a question set, kept once, the first time a decision is
# taken under it (decisions name their set by its SHA-256).
KINDS = (
    "setting",
    "staff",
    "decision",
    "cosign",
    "correction",
    "export",
    "erase",
    "migration",
    "imported",
    "questions",
)
APPEND_ONLY_MESSAGE = "the infoshare log is append-only: entries cannot be changed or deleted"
MIGRATION_SET = "infoshare"

_SQLITE_HEADER = b"SQLite format 3\x00"
# An entry's stored fields, in column order (an imported entry keeps its original whole).
ENTRY_FIELDS = ("seq", "kind", "recorded_at", "actor", "payload", "prev_hash", "hash", "signature")
_COLUMNS = ", ".join(ENTRY_FIELDS)

# Set while someone who unlocked is reading (ledger.sealing.reading): opens a sealed payload.
PAYLOAD_OPENER: ContextVar[Callable[[Entry, dict], dict] | None] = ContextVar(
    "infoshare_payload_opener", default=None
)


# --- hashing --------------------------------------------------------------------------------


def could_be_seq(value: object) -> bool:
    """Whether ``value`` could number an entry: a whole number SQLite can hold. A number
    read from a payload someone wrote by hand may be any size; asking SQLite for one it
    cannot hold raises, and no entry has it."""
    return type(value) is int and -(2**63) <= value < 2**63


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

LOCKED = "locked: unlock with a passphrase to read it"
NOT_JSON = "its contents are not readable JSON"


def json_loader() -> Callable[[str], Any]:
    """``json.loads``, without its per-call wrapping, for the log's compact JSON text.

    Text the C scanner does not read to its end in one go (leading or trailing space, or not
    JSON at all) goes to ``json.loads`` itself, so results and errors are the same.
    """
    return loads_whole


def readable_payload(
    kind: str, payload_text: object, open_sealed: Callable[[dict], dict] | None
) -> tuple[dict[str, Any], str | None]:
    """A stored payload as every reader sees it, and what was wrong with its shape.

    The one way in for readers (``Entry.payload``, the CSV export's rows, the SQL functions
    of ``ledger.sealing``): parsed, then :func:`shaped_payload`.
    """
    try:
        parsed = json.loads(payload_text)  # type: ignore[arg-type]  # refused just below
    except (TypeError, ValueError, RecursionError):
        return {}, NOT_JSON
    return shaped_payload(kind, parsed, open_sealed)


def shaped_payload(
    kind: str, parsed: Any, open_sealed: Callable[[dict], dict] | None
) -> tuple[dict[str, Any], str | None]:
    """A parsed payload opened if sealed (``open_sealed``: inside ``sealing.reading``; else
    it reads as locked), then held to the shape infoshare writes (``domain.shapes``): a
    field of the wrong type is left out and a payload that is no object reads as an empty
    one, so no reader ever meets a list where it expects text."""
    if type(parsed) is dict and "sealed" in parsed:
        if open_sealed is None:
            parsed = {k: v for k, v in parsed.items() if k != "sealed"}
            parsed["_unreadable"] = LOCKED
        else:
            parsed = open_sealed(parsed)
    return well_shaped(kind, parsed)


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
    _payload: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    _shape: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def payload(self) -> dict[str, Any]:
        """The payload parsed from ``payload_text`` (parsed once, then cached).

        Personal fields are sealed (see ``ledger.sealing``): they are opened here when the
        entry is read inside ``sealing.reading`` after an unlock; otherwise, or if they do
        not open, the payload carries ``"_unreadable"`` (why) and no personal field.
        Every field is in the shape infoshare writes (``domain.shapes``): one of the wrong
        type is left out, and :attr:`shape_problem` says why.
        Treat it as read-only: ``payload_text`` is what the hash covers.
        """
        payload = self._payload
        if payload is None:
            opener = PAYLOAD_OPENER.get()
            opening = None if opener is None else (lambda parsed: opener(self, parsed))
            payload, problem = readable_payload(self.kind, self.payload_text, opening)
            object.__setattr__(self, "_payload", payload)
            object.__setattr__(self, "_shape", problem)
        return payload

    @property
    def shape_problem(self) -> str | None:
        """What is wrong with the shape of this entry's payload, or None.

        Of the payload as read (opened, if it was read inside ``sealing.reading``); if it
        has not been read yet, of the stored text alone, and nothing is cached, so that the
        entry still opens when it is read inside ``sealing.reading`` later.
        """
        if self._payload is not None:
            return self._shape
        return readable_payload(self.kind, self.payload_text, None)[1]

    def computed_hash(self) -> str:
        """The hash this entry's stored fields should have (compare with ``hash``)."""
        return compute_hash(
            self.seq, self.kind, self.recorded_at, self.actor, self.payload_text, self.prev_hash
        )
