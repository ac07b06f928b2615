"""What a reader may trust: the staff register as ``verify`` would accept it, and one check.

Every reader (``show``, printable records, ``log``, ``case``, ``stats``, exports) checks the
entries it shows through :class:`KeyRing`, which applies the same rules as ``verify``
(:mod:`infoshare_cli.domain.signing`) to:

- every staff entry the register rests on: its hash, its signature with the key in force,
  and the staff rules. The register stops at the first staff entry that fails, as
  ``verify`` does; everything after it is reported as resting on a broken register;
- each entry shown: its hash, the signing rules (signer registered, active and allowed;
  a co-signer distinct from the decider and a manager) and its signature.

Readers check only what they show (and the few staff entries), so ``log -n 20`` stays fast
on a large log. Only ``verify`` checks the chain from end to end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from infoshare_cli.domain.shapes import shape_detail
from infoshare_cli.domain.signing import CONFIRM_RESET, RESET, Broken, Rulebook
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.store import Ledger

KIND_WORDS = {
    "staff": "staff change",
    "decision": "decision",
    "cosign": "co-signature",
    "correction": "correction",
    "setting": "setting",
    "export": "export",
    "questions": "question set",
}


def _payload(entry: Entry) -> dict | None:
    try:
        value = json.loads(entry.payload_text)
    except (ValueError, TypeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


class KeyRing:
    """The staff register as ``verify`` would accept it, up to ``upto_seq``, and the check.

    ``broken`` is (seq, reason) for the first staff entry ``verify`` would reject, if any.
    """

    def __init__(self, ledger: Ledger, upto_seq: int | None = None):
        self.rules = Rulebook()
        self.broken: tuple[int, str] | None = None
        self.accepted: set[int] = set()  # the staff entries the register took in
        # A passphrase reset waiting for its confirmation: (seq, hash, actor, staff id).
        self._pending_reset: tuple[int, str, str, str] | None = None
        # Entries up to this seq passed the whole of ``verify`` in the reader's own read
        # snapshot (an export checks the whole log first): checking them again one by one
        # would find the same. Set only by a reader that ran ``verify`` in its snapshot.
        self.verified_upto = 0
        for entry in ledger.entries(kinds=("staff",)):
            if upto_seq is not None and entry.seq > upto_seq:
                break
            reason = self._check(entry, None)
            if reason is None:
                payload = _payload(entry)
                try:
                    # Not a JSON object: nothing to apply, so incomplete (KeyError) too.
                    self.rules.apply(entry.seq, payload if payload is not None else {})
                except (KeyError, TypeError, AttributeError):
                    reason = "its staff details are incomplete."
                else:
                    self.accepted.add(entry.seq)
                    self._note_reset(entry, payload or {})
            if reason is not None:
                self.broken = (entry.seq, reason)
                break
        if self.broken is None and self._pending_reset is not None:
            # Written only together with its confirmation: alone, verify rejects it.
            self.broken = (
                self._pending_reset[0],
                "it resets a passphrase, but no second manager confirmed it.",
            )

    def _note_reset(self, entry: Entry, payload: Mapping) -> None:
        action = payload.get("action")
        if action == RESET:
            self._pending_reset = (entry.seq, entry.hash, entry.actor, str(payload["staff_id"]))
        elif action == CONFIRM_RESET:
            self._pending_reset = None

    @property
    def keys(self) -> list[dict[str, Any]]:
        """Every signing key the register accepts, with the seq from which it signs and
        its owner's role history (``roles``): an export's ``public_keys``."""
        return self.rules.keys_with_roles()

    def key_for(self, actor: str, seq: int) -> str | None:
        key = self.rules.key_in_force(actor, seq)
        return key if isinstance(key, str) else None

    def _check(self, entry: Entry, decisions: Mapping[int, tuple[str, str]] | None) -> str | None:
        """Why ``verify`` would reject this entry on its own, or None."""
        texts = (entry.kind, entry.recorded_at, entry.actor, entry.payload_text, entry.prev_hash)
        if type(entry.seq) is not int or not all(isinstance(t, str) for t in texts):
            return "some of its fields are not text (the file was edited outside infoshare)."
        if not isinstance(entry.hash, str) or entry.computed_hash() != entry.hash:
            return "its contents do not match its hash — it was changed after it was written."
        if entry.shape_problem is not None:  # the shape as read, sealed content included
            return shape_detail(entry.shape_problem)
        payload = None
        if entry.kind in ("staff", "cosign", "correction"):
            payload = _payload(entry)
            if payload is None:
                return "its contents are not readable JSON."
        pending = self._pending_reset
        confirms = (payload or {}).get("action") == CONFIRM_RESET
        if pending is not None and entry.kind == "staff" and not confirms:
            return (
                f"it follows a passphrase reset (entry #{pending[0]}) that no second "
                "manager confirmed."
            )
        found = self.rules.signer(
            entry.seq, entry.kind, entry.actor, payload, decisions, pending_reset=pending
        )
        if isinstance(found, Broken):
            return found.detail
        key = found.public_key
        signature = entry.signature
        if not (
            isinstance(key, str)
            and isinstance(signature, str)
            and crypto.verify_signature(key, bytes.fromhex(entry.hash), signature)
        ):
            return (
                f"its signature does not match {found.name}'s key as registered at the time — "
                "the entry was changed and re-sealed, or signed by someone else."
            )
        return None

    def problem(
        self, entry: Entry, decisions: Mapping[int, tuple[str, str]] | None = None
    ) -> str | None:
        """Why this entry fails the checks ``verify`` makes, in plain words; None if it passes.

        ``decisions``: the decisions (seq -> (hash, actor)) a co-signature or correction may
        point at; a reader passes the decision it is showing.
        """
        if self.broken is not None and self.broken[0] < entry.seq:
            return (
                f"it rests on the staff register, and staff entry #{self.broken[0]} does not "
                f"verify: {self.broken[1]}"
            )
        if entry.seq in self.accepted or entry.seq <= self.verified_upto:
            return None
        return self._check(entry, decisions)

    def verifies(
        self, entry: Entry, decisions: Mapping[int, tuple[str, str]] | None = None
    ) -> bool:
        return self.problem(entry, decisions) is None

    def check_record(self, entries: Iterable[Entry]) -> dict[int, str | None]:
        """Each entry of one decision (the decision, its co-signatures and corrections) checked.

        Returns seq -> None if it passes, else the reason it fails.
        """
        entries = list(entries)
        decisions = {e.seq: (e.hash, e.actor) for e in entries if e.kind == "decision"}
        return {e.seq: self.problem(e, decisions) for e in entries}


def describe_problem(entry_seq: int, kind: str, reason: str) -> str:
    """One line for a failing entry: 'Entry #8 (a co-signature) fails the checks: ...'."""
    word = KIND_WORDS.get(kind, "entry")
    article = "an" if word[0] in "aeiou" else "a"
    return f"Entry #{entry_seq} ({article} {word}) fails the checks verify makes: {reason}"
