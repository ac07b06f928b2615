"""Where a decision stands: its co-signature state, and whether it was corrected.

The one definition of a decision's status. Two things are kept apart:

- the **state**: ``erased`` once two managers have erased its content (nobody can read or
  co-sign it any more); else ``superseded`` once the decision has been taken again (a later
  decision revisits it); otherwise what its co-signer said: ``agreed``, ``not agreed``, or
  ``awaiting co-signature`` while nobody else has;
- **corrected**: whether a correction points at it. A correction never changes the state:
  a corrected decision that nobody has co-signed is still awaiting co-signature.

Pure Python. The SQL that filters by state (``reading.queries``) is generated from the
constants here, and a test holds it, the ``decisions`` view and this module together over
every combination.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

AWAITING = "awaiting co-signature"
AGREED = "agreed"
NOT_AGREED = "not agreed"
SUPERSEDED = "superseded"
ERASED = "erased"
STATES = (AWAITING, AGREED, NOT_AGREED, SUPERSEDED, ERASED)

# The word for "has a correction": a filter, never a state.
CORRECTED = "corrected"

# A co-signature counts when its verdict is one of these, and it is by someone other than
# the person who made the decision; the newest such co-signature is the one that stands.
VERDICT_STATES: Mapping[str, str] = {"agree": AGREED, "disagree": NOT_AGREED}


@dataclass(frozen=True)
class Status:
    state: str
    corrected: bool = False

    @property
    def awaiting(self) -> bool:
        """Still needs a co-signature (a decision taken again no longer does)."""
        return self.state == AWAITING

    def label(self) -> str:
        """The state in words, with the correction noted: 'agreed, corrected'."""
        return f"{self.state}, {CORRECTED}" if self.corrected else self.state


def standing_cosignature(
    decider: str, cosigns: Iterable[tuple[str, Mapping[str, Any]]]
) -> tuple[str, str] | None:
    """(co-signer, verdict) of the co-signature that stands, or None.

    ``cosigns`` is ``(actor, payload)`` of every co-signature of the decision, oldest first.
    """
    standing = None
    for actor, payload in cosigns:
        verdict = payload.get("verdict") if isinstance(payload, Mapping) else None
        if counts(decider, actor, verdict):
            standing = (actor, str(verdict))
    return standing


def standing_verdict(decider: str, cosigns: Iterable[tuple[str, Mapping[str, Any]]]) -> str | None:
    """What the standing co-signer said, in words ("agreed", "did not agree"), or None.

    Read from the verdict, never from the state: a decision taken again is ``superseded``,
    and its co-signer still did (or did not) agree with it."""
    standing = standing_cosignature(decider, cosigns)
    return VERDICT_WORDS[standing[1]] if standing else None


VERDICT_WORDS: Mapping[str, str] = {"agree": "agreed", "disagree": "did not agree"}


def counts(decider: object, actor: object, verdict: object) -> bool:
    """Does a co-signature by ``actor`` with ``verdict`` count for a decision by
    ``decider``? (The newest that counts is the one that stands.)"""
    return actor != decider and isinstance(verdict, str) and verdict in VERDICT_STATES


def decision_state(verdict: str | None, superseded: bool, erased: bool = False) -> str:
    """The state: an erasure outranks a revisit, which outranks the co-signature."""
    if erased:
        return ERASED
    if superseded:
        return SUPERSEDED
    if verdict is None:
        return AWAITING
    return VERDICT_STATES[verdict]


def decision_status(
    verdict: str | None, superseded: bool, corrected: bool, erased: bool = False
) -> Status:
    return Status(decision_state(verdict, superseded, erased), corrected)
