"""`verify --as NAME`: the sealed content checked too, with one person's keys.

Plain `verify` needs no passphrase: it proves the entries (ciphertext included) were not
changed. Given someone who can read, it also opens every sealed entry (each must open with
its record's key, except records erased by a signed erase entry) and works each decision's
outcome out again from its answers under the question set it was taken under (kept in the
log, or built in), with the rule the wizard's payload is checked with
(``decisions.outcome_problem``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from infoshare_cli.domain.decisions import outcome_problem
from infoshare_cli.domain.privacy import PERSONAL_FIELDS, RECORD, SEALED
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.shapes import shape_detail
from infoshare_cli.domain.words import counted
from infoshare_cli.ledger.case_index import has_case_index, tag_problem
from infoshare_cli.ledger.entries import ENTRY_FIELDS, Entry
from infoshare_cli.ledger.sealing import Opener


@dataclass
class ContentReport:
    opened: int = 0  # sealed entries that opened
    erased: int = 0  # sealed entries of erased records (their key destroyed on purpose)
    recomputed: int = 0  # decisions whose outcome was worked out again and matched
    other_set: int = 0  # decisions taken under another question set: not recomputed
    imported: int = 0  # entries of an older log carried over by `migrate`, checked again
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_content(
    entries: Iterable[Entry],
    opener: Opener,
    qset: QuestionSet,
    erased_records: set[str],
    sets: Callable[[Any], QuestionSet | None] | None = None,
) -> ContentReport:
    """Open every sealed entry and recompute outcomes. Call inside ``sealing.reading``.

    ``sets`` finds the question set a decision was taken under (kept in the log, or built
    in) from its identity; without it, only decisions taken under ``qset`` are recomputed."""
    report = ContentReport()
    originals = _Originals()
    indexed = opener.keys is not None and has_case_index(opener.conn)
    for entry in entries:
        if entry.kind == "migration":
            originals.link(entry)
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
        if entry.shape_problem is not None:  # the opened content in the shape infoshare writes
            report.problems.append((entry.seq, shape_detail(entry.shape_problem)))
            continue
        if entry.kind == "decision":
            _recompute(entry, payload, qset, report, sets)
            if indexed and opener.keys is not None:  # its keyed hash in the case index
                why = tag_problem(opener.conn, opener.keys, entry.seq, payload.get("case_ref"))
                if why is not None:
                    report.problems.append((entry.seq, why))
        elif entry.kind == "imported":
            originals.add(entry, payload)
    originals.finish(report)
    return report


class _Originals:
    """The old log's entries as ``migrate`` carried them over: checked again as a chain of
    their own (hashes, links, signatures against the old staff keys, the old rules), and
    against the signed ``migration`` entry's record of the old log's head and size."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.problems: list[tuple[int, str]] = []
        self.migration: Entry | None = None
        self.first_seq: int | None = None

    def link(self, entry: Entry) -> None:
        if self.migration is not None:
            self.problems.append((entry.seq, "it is a second migration entry in one log."))
        self.migration = entry

    def add(self, entry: Entry, payload: dict) -> None:
        original = payload.get("original")
        if not isinstance(original, dict) or set(original) != set(ENTRY_FIELDS):
            self.problems.append((entry.seq, "its carried-over entry is incomplete."))
            return
        if original.get("seq") != payload.get("of"):
            self.problems.append(
                (entry.seq, "its carried-over entry is not the one its number names.")
            )
            return
        if self.first_seq is None:
            self.first_seq = entry.seq
        self.rows.append(tuple(original[name] for name in ENTRY_FIELDS))

    def finish(self, report: ContentReport) -> None:
        from infoshare_cli.integrity.chain import check_entries

        report.problems.extend(self.problems)
        if not self.rows and self.migration is None:
            return
        where = self.migration.seq if self.migration is not None else self.first_seq or 0
        if self.migration is None:
            report.problems.append(
                (where, "it carries over entries of an older log, but no migration entry says so.")
            )
            return
        link = self.migration.payload
        try:
            checked, head, bad = check_entries(iter(self.rows))
        except (TypeError, ValueError, AttributeError) as exc:
            report.problems.append((where, f"the old log's entries cannot be checked ({exc})."))
            return
        if bad is not None:
            report.problems.append(
                (where, f"in the old log it carries over, entry #{bad.seq}: {bad.detail}")
            )
            return
        expected = (link.get("from_entries"), link.get("from_head_seq"), link.get("from_head_hash"))
        found = (checked, head.seq if head else None, head.hash if head else None)
        if expected != found:
            report.problems.append(
                (
                    where,
                    f"the old log it links to had {counted(expected[0], 'entry')} ending at "
                    f"#{expected[1]}, but {counted(found[0], 'entry')} ending at #{found[1]} "
                    "were carried over: entries of the old log are missing or extra.",
                )
            )
            return
        report.imported = checked


def _recompute(
    entry: Entry,
    payload: dict,
    qset: QuestionSet,
    report: ContentReport,
    sets: Callable[[Any], QuestionSet | None] | None,
) -> None:
    identity = payload.get("question_set")
    own: QuestionSet | None = None
    if sets is not None:
        own = sets(identity)
    elif isinstance(identity, dict) and identity.get("sha256") == qset.sha256:
        own = qset
    if own is None:
        report.other_set += 1
        return
    why = outcome_problem(own, payload)  # the rule the wizard's payload is checked with
    if why is not None:
        report.problems.append(
            (entry.seq, f"{why} The recorded outcome does not follow from the answers.")
        )
        return
    report.recomputed += 1
