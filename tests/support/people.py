"""The people of the test logs, their passphrases, and answers that lead to each outcome.

``build_staffed_log`` writes the staffed log every ``staffed_log`` fixture copies."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import yaml

from infoshare_cli.actions.staff import (
    add_member,
    deactivate_member,
    register_first_manager,
    unlock,
)
from infoshare_cli.asking.answers_file import parse_answers
from infoshare_cli.domain.decisions import decision_payload
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.staff import find_member
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register

ALEX, PRIYA, SAM, JO = "Alex Morgan", "Priya Shah", "Sam Lee", "Jo Baker"
PASSPHRASES = {
    ALEX: "alex passphrase one",  # first manager
    PRIYA: "priya passphrase two",  # second manager: co-signs
    SAM: "sam passphrase three",  # practitioner
    JO: "jo passphrase four",  # manager, deactivated
}
SETTING = "Little Acorns Nursery"

# Answers (in the scripted-file shape) that lead to each outcome of the shipped set.
RIGHT_WAY = {
    "what": "Dated observations of bruising and the body map.",
    "recipient": "Children's Social Care front door",
    "recipient_role": "Duty social worker",
    "method": "referral_form",
    "necessary": "yes",
    "proportionate": "yes",
    "relevant": "yes",
    "adequate": "yes",
    "accurate": "yes",
    "need_to_know": "yes",
    "secure": "yes",
    "timely": "yes",
    "shared_on": "2026-11-26",
}
# Whether the parent or carer will be told is asked only where consent was not given.
PARENT_TOLD = {"answer": "no", "reason": "Social care asked us not to tell them yet."}
PURPOSE = {"answer": "yes", "reason": "To keep the child safe from harm at home."}
ANSWERS_BY_OUTCOME = {
    "share": {
        "urgent": "no",
        "purpose": PURPOSE,
        "identifiable": "yes",
        "confidential": "yes",
        "consent": "given",
        "right_way": RIGHT_WAY,
    },
    "share_without_consent": {
        "urgent": "no",
        "purpose": PURPOSE,
        "identifiable": "yes",
        "confidential": "yes",
        "consent": {"answer": "refused", "reason": "Parent refused when asked on Monday."},
        "statutory": "no",
        "public_interest": {
            "answer": ["evidence_of_harm"],
            "reason": "Repeated unexplained bruising, recorded three times.",
        },
        "right_way": RIGHT_WAY | {"parent_told": PARENT_TOLD},
    },
    "do_not_share": {
        "urgent": "no",
        "purpose": {"answer": "no", "reason": "The request was out of curiosity only."},
    },
    "seek_advice": {
        "urgent": "no",
        "purpose": {"answer": "not_sure", "reason": "Unclear whether the concern is enough."},
    },
}
SEEK_ADVICE_RECORD = {
    "advisor": "Duty social worker, Children's Social Care",
    "asked_on": "2026-11-26",
    "advice": "not yet",
}


def answers_file_data(outcome: str, case_ref: str = "C-1042", by: str = SAM) -> dict:
    data = {
        "case_ref": case_ref,
        "decided_by": by,
        "answers": copy.deepcopy(ANSWERS_BY_OUTCOME[outcome]),
    }
    if outcome == "seek_advice":
        data["outcome_record"] = dict(SEEK_ADVICE_RECORD)
    return data


@dataclass
class StaffedLog:
    """A log with Alex (first manager), Priya (manager), Sam (practitioner) and Jo
    (a manager since deactivated)."""

    path: Path

    def open(self) -> Ledger:
        return Ledger.open(self.path)

    def count(self) -> int:
        with self.open() as ledger:
            return ledger.count()


def build_staffed_log(path: Path) -> None:
    ledger = Ledger.create(path)
    with ledger:
        alex = register_first_manager(ledger, ALEX, PASSPHRASES[ALEX], SETTING)
        add_member(ledger, alex, PRIYA, "manager", PASSPHRASES[PRIYA], dsl=True)
        add_member(ledger, alex, SAM, "practitioner", PASSPHRASES[SAM])
        add_member(ledger, alex, JO, "manager", PASSPHRASES[JO])
        deactivate_member(ledger, alex, find_member(load_register(ledger), JO))


def signer(ledger: Ledger, name: str) -> Signer:
    """``name``'s key, unlocked with their known passphrase."""
    return unlock(find_member(load_register(ledger), name), PASSPHRASES[name])


def payload_by(
    qset: QuestionSet,
    decider: Signer,
    outcome: str = "share",
    revisits: int | None = None,
    case_ref: str = "C-1042",
) -> dict:
    """The signed payload of a decision by ``decider``, built from the answers file shape."""
    data = {"case_ref": case_ref, "answers": ANSWERS_BY_OUTCOME[outcome]}
    if revisits is not None:
        data["revisits"] = revisits
    draft = parse_answers(yaml.safe_dump(data).encode(), "answers.yaml", qset).draft
    draft.decided_by = decider.staff_id
    return decision_payload(qset, draft)
