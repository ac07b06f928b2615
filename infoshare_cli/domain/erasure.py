"""Erasing a record's personal content (crypto-shredding): the entries, and their rules.

An erasure is two ``erase`` entries written in one transaction, together with the
deletion of each erased record's key (the only thing the log ever deletes; the keys live
beside the chain, so every hash and signature still verifies):

1. ``{"action": "erase", "records": [{"decision": 12, "record": "..."}], "reason": "mistake",
   "why": "..."}``, signed by a manager;
2. ``{"action": "confirm", "erase": <seq of 1>, "hash": <hash of 1>}``, signed by a second,
   different manager: the co-signature. It must come straight after the entry it confirms.

``reason`` is ``mistake`` (personal details typed by mistake, such as a child's name as the
case reference) or ``retention`` (past the setting's retention period). ``why`` stays
readable without a passphrase, so that ``verify`` can say why a record was erased: it must
not repeat what is being erased.

Pure Python: no SQL, no crypto library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infoshare_cli.domain.decisions import MAX_TEXT
from infoshare_cli.domain.text import has_control_characters
from infoshare_cli.errors import InfoshareError

ERASE, CONFIRM = "erase", "confirm"
REASONS = {
    "mistake": "personal details were entered by mistake",
    "retention": "the record was past the setting's retention period",
}
WHY_HELP = (
    "Say why, in a few words, without naming the child or repeating what is being erased: "
    "this reason stays readable to anyone checking the log."
)


@dataclass(frozen=True)
class Erased:
    """One erased record, as ``verify`` and the readers report it."""

    decision: int
    record: str
    erase_seq: int
    erased_at: str
    by: str  # the name of the manager who erased
    confirmed_by: str  # the name of the manager who co-signed
    reason: str
    why: str


def check_why(why: str, forbidden: Sequence[str] = ()) -> str:
    """The reason typed for an erasure, checked. ``forbidden``: texts it must not contain
    (the case references being erased). Raises InfoshareError."""
    text = " ".join(why.split())
    if not text:
        raise InfoshareError("Say why the record is erased (--why TEXT). Nothing was erased.")
    if len(text) > MAX_TEXT:
        raise InfoshareError(f"The reason is too long (at most {MAX_TEXT} characters).")
    if has_control_characters(text):
        raise InfoshareError("Remove the control characters (such as escape codes) from --why.")
    folded = text.casefold()
    for secret in forbidden:
        if secret and secret.strip() and secret.strip().casefold() in folded:
            raise InfoshareError(
                "The reason repeats the case reference being erased, and the reason stays "
                "readable in the log. Say why without it. Nothing was erased."
            )
    return text


def erase_payload(records: Sequence[tuple[int, str]], reason: str, why: str) -> dict[str, Any]:
    """The first entry of an erasure: which decisions (and their records), and why."""
    if reason not in REASONS:
        raise InfoshareError(f"The reason for erasing is one of: {', '.join(REASONS)}.")
    if not records:
        raise InfoshareError("There is nothing to erase.")
    return {
        "action": ERASE,
        "records": [{"decision": d, "record": r} for d, r in records],
        "reason": reason,
        "why": why,
    }


# What a corrected copy leaves out of the erased decision: its record (the copy has its own)
# and its link to a decision it took again (that chain stays with the original).
_NOT_COPIED = ("id", "record", "revisits", "copy_of")


def copy_payload(
    original: Mapping[str, Any], erased: int, case_ref: str, record: str
) -> dict[str, Any]:
    """A corrected copy of an erased decision: the same content with a corrected case
    reference, its own record, and ``copy_of`` naming the decision it replaces."""
    body = {k: v for k, v in original.items() if k not in _NOT_COPIED}
    body["case_ref"] = case_ref
    body["record"] = record
    body["copy_of"] = erased
    return body


def confirm_payload(erase_seq: int, erase_hash: str) -> dict[str, Any]:
    """The second entry: the co-signing manager confirms the erasure by its hash."""
    return {"action": CONFIRM, "erase": erase_seq, "hash": erase_hash}


def erased_records(payload: Mapping[str, Any]) -> list[tuple[int, str]]:
    """(decision, record) pairs an ``erase`` entry names; empty if it names none properly."""
    found = []
    items = payload.get("records")
    if not isinstance(items, list):
        return []
    for item in items:
        if not isinstance(item, Mapping):
            return []
        decision, record = item.get("decision"), item.get("record")
        if type(decision) is not int or not isinstance(record, str) or not record:
            return []
        found.append((decision, record))
    return found


def erase_rule_problem(
    seq: int,
    actor: str,
    payload: Mapping[str, Any],
    *,
    is_manager: bool,
    pending: tuple[int, str, str] | None,
    decisions: Mapping[int, Any],
) -> str | None:
    """What is wrong with an ``erase`` entry by the signing rules, or None.

    ``pending`` is (seq, hash, actor) of the erase entry just before this one that still
    waits for its confirmation, if any; ``decisions`` the earlier decisions by seq.
    """
    action = payload.get("action")
    if action == ERASE:
        if not is_manager:
            return "it erases a record, but only a manager can."
        if pending is not None:
            return "it starts an erasure before the one before it was co-signed."
        names = erased_records(payload)
        if not names:
            return "it erases a record but does not say which decision."
        if any(d >= seq or d not in decisions for d, _ in names):
            return "it erases a decision that is not earlier in the log."
        if payload.get("reason") not in REASONS:
            return "it erases a record without one of infoshare's reasons."
        return None
    if action == CONFIRM:
        if pending is None or payload.get("erase") != pending[0] or pending[0] != seq - 1:
            return "it co-signs an erasure that is not the entry just before it."
        if payload.get("hash") != pending[1]:
            return "it co-signs an erasure, but names a different version of it."
        if not is_manager:
            return "it co-signs an erasure, but only a manager can."
        if actor == pending[2]:
            return "the manager who erased a record also co-signed it; a second manager must."
        return None
    return "it is a kind of erasure infoshare does not make."
