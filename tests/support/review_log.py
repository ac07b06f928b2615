"""Logs with decisions in them, for the review and export tests.

Decisions are written through the real code path (answers file -> draft -> payload ->
signed entries), with each person's key unlocked once so building stays quick.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from infoshare_cli.actions.corrections import append_correction
from infoshare_cli.actions.deciding import write_decision
from infoshare_cli.actions.staff import unlock
from infoshare_cli.asking.answers_file import parse_answers
from infoshare_cli.checklist.loading import load_question_set
from infoshare_cli.domain.decisions import decision_payload
from infoshare_cli.domain.staff import find_member
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.records import load_decision
from infoshare_cli.reading.register import load_register
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, answers_file_data

SCRIPT = "<script>alert('typed')</script>"


@dataclass
class Built:
    """The decisions in the review log, by what is special about them: ``ids`` are their
    entries' seqs, ``numbers`` their decision numbers (what people type: 1 to 5)."""

    ids: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)


def signers(ledger: Ledger) -> dict[str, Signer]:
    register = load_register(ledger)
    return {
        name: unlock(find_member(register, name), PASSPHRASES[name]) for name in (ALEX, PRIYA, SAM)
    }


def payload_for(outcome: str, case_ref: str, **changes) -> dict:
    qset = load_question_set()
    data = answers_file_data(outcome, case_ref=case_ref)
    for key, value in changes.items():
        data["answers"][key] = value
    scripted = parse_answers(json.dumps(data).encode(), "answers.json", qset)
    return decision_payload(qset, scripted.draft)


def decide(ledger, who: Signer, payload: dict, cosigner=None, verdict=None, revisits=None):
    if revisits is not None:
        payload = {**payload, "revisits": revisits}
    return write_decision(ledger, who, payload, cosigner, verdict).decision.seq


def build_review_log(path: Path) -> Built:
    """Five decisions, one of each status, across three cases.

    - agreed_corrected: C-1042, share without consent, agreed by Priya, then corrected by Alex
    - awaiting:         C-7, do not share, awaiting co-signature
    - superseded:       C-1042, seek advice, Priya disagreed, taken again as `revisit`
    - revisit:          C-1042, share (by Alex), agreed by Priya
    - not_agreed:       C-9, do not share, Priya disagreed
    """
    built = Built()
    with Ledger.open(path) as ledger:
        s = signers(ledger)
        ids = built.ids
        ids["agreed_corrected"] = decide(
            ledger,
            s[SAM],
            payload_for("share_without_consent", "C-1042"),
            s[PRIYA],
            ("agree", "Agreed: the bruising meets the threshold."),
        )
        ids["awaiting"] = decide(ledger, s[SAM], payload_for("do_not_share", "C-7"))
        ids["superseded"] = decide(
            ledger,
            s[SAM],
            payload_for("seek_advice", "C-1042"),
            s[PRIYA],
            ("disagree", "We already know enough to decide."),
        )
        ids["revisit"] = decide(
            ledger,
            s[ALEX],
            payload_for("share", "C-1042"),
            s[PRIYA],
            ("agree", ""),
            revisits=ids["superseded"],
        )
        ids["not_agreed"] = decide(
            ledger,
            s[SAM],
            payload_for(
                "do_not_share",
                "C-9",
                purpose={"answer": "no", "reason": "Zebra crossing incident only."},
            ),
            s[PRIYA],
            ("disagree", "The purpose is clear; think again."),
        )
        record = load_decision(ledger, ids["agreed_corrected"])
        append_correction(
            ledger,
            record,
            s[ALEX],
            wrong="The date shared was 26 November.",
            right="It was shared on 27 November.",
            why=f"Typing slip {SCRIPT}",
        )
    built.numbers = {name: n for n, name in enumerate(built.ids, start=1)}  # in order taken
    return built
