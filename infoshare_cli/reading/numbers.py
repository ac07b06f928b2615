"""Which decision a person means: decision numbers as typed, to the entry they name.

People refer to decisions by their number (1, 2, 3 in the order taken; see
``ledger.numbering``). Inside, every reference is the decision entry's seq, as signed. So a
command turns what was typed into a seq here, once, and turns seqs back into numbers for
whatever it prints. Older notes and hints gave entry numbers instead (``cosign 7``); an
entry number can still be given explicitly, as ``e7``, and a plain number that is not a
decision but is a decision's entry number gets a pointer to the right one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.ledger.numbering import number_of, seq_of
from infoshare_cli.ledger.store import Ledger

_ENTRY_FORM = re.compile(r"(?:e|entry)\s*[-#:]?\s*#?([0-9]{1,12})", re.IGNORECASE)
_KIND_WORDS = {
    "cosign": "a co-signature",
    "correction": "a correction",
    "staff": "a staff change",
    "setting": "the setting's details",
    "export": "a record of an export",
    "erase": "an erasure",
}


@dataclass(frozen=True)
class DecisionRef:
    """What someone typed to name a decision: its number, or (``e12``) an entry number."""

    number: int | None = None
    entry: int | None = None

    @property
    def text(self) -> str:
        return f"e{self.entry}" if self.entry is not None else str(self.number)


def not_a_number() -> InfoshareError:
    # The typed text is not repeated: it could be a child's name typed by mistake.
    return InfoshareError(
        "That is not a decision number. Decisions are numbered 1, 2, 3 in the order they "
        f"were taken: {command('log')} lists them with their numbers."
    )


def parse_ref(text: str | int) -> DecisionRef:
    """A decision as people type it: 4 or #4 (its number), or e12 / entry 12 (an entry)."""
    cleaned = str(text).strip()
    entry = _ENTRY_FORM.fullmatch(cleaned)
    if entry is not None:
        if int(entry.group(1)) < 1:
            raise not_a_number()
        return DecisionRef(entry=int(entry.group(1)))
    cleaned = cleaned.lstrip("#").strip()
    # isascii: str.isdigit() is also true of '²' and other digits int() refuses.
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 12 or int(cleaned) < 1:
        raise not_a_number()
    return DecisionRef(number=int(cleaned))


def count_decisions(ledger: Ledger) -> int:
    """How many decisions the log holds (the highest number: numbers have no gaps)."""
    row = ledger.conn.execute("SELECT max(number) FROM decision_numbers").fetchone()
    return row[0] or 0


def _how_many(ledger: Ledger) -> str:
    total = count_decisions(ledger)
    if total == 0:
        return f"This log has no decisions yet: take one with {command('decide')}."
    if total == 1:
        return f"This log has one decision, number 1. {command('log')} lists it."
    return f"This log has {total} decisions, numbered 1 to {total}: {command('log')} lists them."


def decision_seq(ledger: Ledger, ref: DecisionRef) -> int:
    """The entry seq of the decision ``ref`` names, or a plain error saying what to give."""
    if ref.entry is not None:
        return _entry_seq(ledger, ref.entry)
    assert ref.number is not None
    seq = seq_of(ledger.conn, ref.number)
    if seq is not None:
        return seq
    message = f"There is no decision {ref.number}. {_how_many(ledger)}"
    entry = ledger.get(ref.number)
    if entry is not None and entry.kind == "decision":  # an entry number, from an older note
        number = number_of(ledger.conn, entry.seq)
        if number is not None:
            message += (
                f" (Older notes gave entry numbers: entry #{entry.seq} is decision {number}, "
                f"{command(f'show {number}')}.)"
            )
    raise InfoshareError(message)


def _entry_seq(ledger: Ledger, seq: int) -> int:
    entry = ledger.get(seq)
    if entry is None:
        raise InfoshareError(f"There is no entry #{seq} in this log. {_how_many(ledger)}")
    if entry.kind == "decision":
        return seq
    what = _KIND_WORDS.get(entry.kind, f"a {entry.kind} entry")
    about = entry.payload.get("decision") if entry.kind in ("cosign", "correction") else None
    number = number_of(ledger.conn, about) if type(about) is int else None
    if number is not None:
        raise InfoshareError(
            f"Entry #{seq} is {what} of decision {number}, not a decision itself: "
            f"see {command(f'show {number}')}."
        )
    raise InfoshareError(f"Entry #{seq} is {what}, not a decision. {_how_many(ledger)}")


def decisions_text(ledger: Ledger, seqs: list[int]) -> str:
    """'decision 4' or 'decisions 4, 7': decision entries named by their numbers."""
    from infoshare_cli.ledger.numbering import numbers_of

    numbers = numbers_of(ledger.conn, seqs)
    shown = ", ".join(str(numbers[s]) if s in numbers else f"entry #{s}" for s in seqs)
    return f"decision {shown}" if len(seqs) == 1 else f"decisions {shown}"
