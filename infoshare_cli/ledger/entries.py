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

from infoshare_cli.ledger.crypto import canonical_json, sha256_hex

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
_COLUMNS = "seq, kind, recorded_at, actor, payload, prev_hash, hash, signature"

# Set while someone who unlocked is reading (ledger.sealing.reading): opens a sealed payload.
PAYLOAD_OPENER: ContextVar[Callable[[Entry, dict], dict] | None] = ContextVar(
    "infoshare_payload_opener", default=None
)


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
    _payload: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def payload(self) -> dict[str, Any]:
        """The payload parsed from ``payload_text`` (parsed once, then cached).

        Personal fields are sealed (see ``ledger.sealing``): they are opened here when the
        entry is read inside ``sealing.reading`` after an unlock; otherwise, or if they do
        not open, the payload carries ``"_unreadable"`` (why) and no personal field.
        Treat it as read-only: ``payload_text`` is what the hash covers.
        """
        payload = self._payload
        if payload is None:
            payload = json.loads(self.payload_text)
            if type(payload) is dict and "sealed" in payload:
                opener = PAYLOAD_OPENER.get()
                if opener is None:
                    payload = {k: v for k, v in payload.items() if k != "sealed"}
                    payload["_unreadable"] = "locked: unlock with a passphrase to read it"
                else:
                    payload = opener(self, payload)
            object.__setattr__(self, "_payload", payload)
        return payload

    def computed_hash(self) -> str:
        """The hash this entry's stored fields should have (compare with ``hash``)."""
        return compute_hash(
            self.seq, self.kind, self.recorded_at, self.actor, self.payload_text, self.prev_hash
        )
