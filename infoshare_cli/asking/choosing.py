"""Which decision? The number a command was given, or, without one, a choice from a list.

A command that works on one decision (``show``, ``cosign``, ``correct``, ``erase``) takes
its number. Given none at a terminal, it offers the decisions that fit (those awaiting
co-signature for ``cosign``, the newest for the others) to pick with the arrow keys
(only those: a typed number would pick by position, not the decision of that number);
without a terminal it says plainly which number to give and where to find it. The list
shows only what is readable before anyone unlocks: the number, when, the outcome, where
it stands and who took it (case references are sealed until a passphrase is typed).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from infoshare_cli.checklist.loading import outcome_labels
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.status import AWAITING
from infoshare_cli.domain.text import displayable
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.filters import Filters
from infoshare_cli.reading.numbers import decision_seq, parse_ref
from infoshare_cli.reading.queries import iter_decisions
from infoshare_cli.reading.records import local_time

SHOWN = 20  # decisions offered in the list (the newest); a number reaches any other


@dataclass(frozen=True)
class Purpose:
    """What the decision is wanted for: the question, the example and the list to see."""

    verb: str  # "co-sign", "read", "correct", "erase"
    example: str  # the command with a number, e.g. "cosign 4"
    awaiting_only: bool = False  # only decisions awaiting co-signature fit
    where: str = "log"  # the command that lists the decisions that fit


COSIGN = Purpose("co-sign", "cosign 4", awaiting_only=True, where="pending")
READ = Purpose("read", "show 4")
CORRECT = Purpose("correct", "correct 4")
ERASE = Purpose("erase", "erase 4")


def needs_a_number(purpose: Purpose) -> InfoshareError:
    return InfoshareError(
        f"Say which decision to {purpose.verb}: give its number, for example "
        f"{command(purpose.example)}. Decisions are numbered 1, 2, 3 in the order taken; "
        f"{command(purpose.where)} lists them with their numbers."
    )


def can_ask() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def which_decision(
    ledger: Ledger,
    typed: str | None,
    purpose: Purpose,
    asker=None,
    qset: QuestionSet | None = None,
    terminal: bool | None = None,
) -> int:
    """The entry seq of the decision meant: the one ``typed`` names, or one picked from a
    list at a terminal (``asker``); without a terminal, a plain error saying what to give."""
    if typed is not None:
        return decision_seq(ledger, parse_ref(typed))
    if asker is None or not (can_ask() if terminal is None else terminal):
        raise needs_a_number(purpose)
    filters = Filters(status=AWAITING) if purpose.awaiting_only else Filters()
    labels = (
        {oid: outcome.label for oid, outcome in qset.outcomes.items()}
        if qset is not None
        else outcome_labels()
    )
    reviews = list(iter_decisions(ledger, filters, limit=SHOWN))
    choices = [(str(review["id"]), choice_label(review, labels)) for review in reviews]
    if not choices:
        if purpose.awaiting_only:
            raise InfoshareError("Nothing is awaiting co-signature.")
        raise InfoshareError(
            f"No decisions have been recorded yet. Take one with {command('decide')}."
        )
    which = "awaiting co-signature, " if purpose.awaiting_only else ""
    example = purpose.example.replace("4", str(reviews[-1]["number"]))
    picked = asker.select(
        f"Which decision do you want to {purpose.verb}?",
        choices,
        help=f"The decisions {which}newest first (up to {SHOWN}). For one not listed, give "
        f"its number instead, for example {command(example)}.",
        numbered=False,  # a typed "1" chose the first line, the newest: never decision 1
    )
    return int(picked)


def choice_label(review: dict, labels: dict[str, str]) -> str:
    """'Decision 4 · 2026-11-30 10:12 · Share · awaiting co-signature · by Sam Lee'."""
    outcome = review.get("outcome")
    if isinstance(outcome, str):
        outcome = labels.get(outcome, outcome)
    parts = [
        f"Decision {review['number']}",
        local_time(review["recorded_at"]),
        str(outcome or ""),
        str(review.get("status") or ""),
        f"by {review.get('decided_by') or '?'}",
    ]
    return displayable(" · ".join(p for p in parts if p))
