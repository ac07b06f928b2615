"""`verify --as NAME`: the sealed content checked too, with one person's keys.

Plain `verify` needs no passphrase: it proves the entries (ciphertext included) were not
changed. Given someone who can read, it also opens every sealed entry (each must open with
its record's key, except records erased by a signed erase entry) and works each decision's
outcome out again from its answers with the question rules (domain.routing), when the
decision was taken under the question set in use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from infoshare_cli.domain.decisions import answer_from_json
from infoshare_cli.domain.privacy import PERSONAL_FIELDS, RECORD, SEALED
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.routing import route
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.sealing import Opener


@dataclass
class ContentReport:
    opened: int = 0  # sealed entries that opened
    erased: int = 0  # sealed entries of erased records (their key destroyed on purpose)
    recomputed: int = 0  # decisions whose outcome was worked out again and matched
    other_set: int = 0  # decisions taken under another question set: not recomputed
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_content(
    entries: Iterable[Entry], opener: Opener, qset: QuestionSet, erased_records: set[str]
) -> ContentReport:
    """Open every sealed entry and recompute outcomes. Call inside ``sealing.reading``."""
    report = ContentReport()
    for entry in entries:
        if entry.kind not in PERSONAL_FIELDS:
            continue
        raw = entry.payload_text
        if f'"{SEALED}"' not in raw:
            continue  # a log from before encryption: nothing sealed
        payload = entry.payload
        why = opener.problems.get(entry.seq)
        if why is not None:
            if payload.get(RECORD) in erased_records:
                report.erased += 1
            else:
                report.problems.append((entry.seq, f"its sealed content does not open ({why})"))
            continue
        report.opened += 1
        if entry.kind == "decision":
            _recompute(entry, payload, qset, report)
    return report


def _recompute(entry: Entry, payload: dict, qset: QuestionSet, report: ContentReport) -> None:
    identity = payload.get("question_set")
    if not isinstance(identity, dict) or identity.get("sha256") != qset.sha256:
        report.other_set += 1
        return
    answers = payload.get("answers")
    try:
        given = {qid: answer_from_json(a) for qid, a in dict(answers or {}).items()}
        outcome = route(qset, given).outcome
    except (TypeError, ValueError, AttributeError, KeyError):
        outcome = None
    if outcome is None or outcome != payload.get("outcome"):
        report.problems.append(
            (
                entry.seq,
                f"its recorded outcome ({payload.get('outcome')}) is not what its answers lead "
                f"to under the question rules ({outcome or 'no outcome'}).",
            )
        )
        return
    report.recomputed += 1
