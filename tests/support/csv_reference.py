"""A plain, obviously-correct CSV writer over review dicts: the reference the export's fast
flat-row writer (``csv_export.write_csv_flat``) is checked against, byte for byte.

It shares nothing with the product's CSV code: its own list of formula starts, its own
neutralising, its own cell formatting, its own column list and its own local time. Only
the decisions themselves (review dicts from the reading layer) and the question set (the
shipped questions.yaml) come from infoshare.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from infoshare_cli.domain.questions import QuestionSet

# What a spreadsheet runs as a formula when a cell starts with it. OWASP's "CSV Injection"
# guidance lists: equals, plus, minus, at, tab (0x09) and carriage return (0x0D). infoshare
# also treats a line feed as a line break (docs/managers-guide.md: "a tab or a line break"),
# and the full-width forms of the four signs, which some spreadsheets read as the ASCII ones.
OWASP_FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
FORMULA_STARTS = [*OWASP_FORMULA_STARTS, "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20"]  # ＝＋－＠

# The columns every row starts with, written out by hand (the answers' columns follow).
FIRST_COLUMNS = [
    "number",
    "recorded_at",
    "recorded_local",
    "case_ref",
    "outcome",
    "status",
    "decided_by",
    "cosigned_by",
    "cosign_verdict",
    "cosigned_at",
    "cosign_comment",
    "question_set",
    "question_set_version",
    "question_set_sha256",
    "basis",
    "immediate_danger",
    "revisits",
    "revisited_by",
]
LAST_COLUMNS = ["other_answers", "corrections", "hash"]


def neutralise(text: str) -> str:
    """An apostrophe before a cell whose first character after any spaces starts a formula."""
    first = text.lstrip(" ")[:1]
    return "'" + text if first and first in FORMULA_STARTS else text


def as_cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(as_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def columns_for(qset: QuestionSet) -> list[str]:
    """Every column: the first ones, then an answer and a reason column for each question
    (for each part of a form, as ``question.part``), then the outcome records' parts."""
    columns = list(FIRST_COLUMNS)
    for qid, question in qset.questions.items():
        if question.type == "review":  # the final check: confirmed by signing
            continue
        names = [f"{qid}.{p.id}" for p in question.parts] if question.type == "form" else [qid]
        for name in names:
            columns += [name, f"{name}_reason"]
    for outcome in qset.outcomes.values():
        for part in outcome.record:
            name = f"outcome_record.{part.id}"
            if name not in columns:
                columns += [name, f"{name}_reason"]
    return columns + LAST_COLUMNS


def local_minute(recorded_at: str) -> str:
    moment = datetime.strptime(recorded_at, "%Y-%m-%dT%H:%M:%S.%f%z")
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def row_for(review: dict[str, Any], columns: list[str]) -> list[str]:
    values: dict[str, Any] = {}
    others: list[str] = []
    cosigns = [c for c in review.get("cosignatures", []) if c["by"] != review["decided_by"]]
    cosign = cosigns[-1] if cosigns else {}
    question_set = review.get("question_set") or {}
    values.update(
        number=review["number"],
        recorded_at=review["recorded_at"],
        recorded_local=local_minute(review["recorded_at"]),
        case_ref=review.get("case_ref"),
        outcome=review.get("outcome"),
        status=review.get("status"),
        decided_by=review.get("decided_by"),
        cosigned_by=review.get("cosigned_by"),
        cosign_verdict=cosign.get("verdict"),
        cosigned_at=cosign.get("recorded_at"),
        cosign_comment=cosign.get("comment"),
        question_set=question_set.get("name"),
        question_set_version=question_set.get("version"),
        question_set_sha256=question_set.get("sha256"),
        basis=review.get("basis"),
        immediate_danger=review.get("urgent"),
        revisits=review.get("revisits_number"),
        revisited_by=review.get("revisited_by_numbers"),
        hash=(review.get("entries") or [{}])[0].get("hash"),
    )

    def answer(name: str, given: dict[str, Any]) -> None:
        if name in columns:
            values[name] = given.get("answer")
            values[f"{name}_reason"] = given.get("reason")
        else:
            reason = f" ({given['reason']})" if given.get("reason") else ""
            others.append(f"{name}: {as_cell(given.get('answer'))}{reason}")

    for qid, given in review.get("answers", {}).items():
        value = given.get("answer")
        if isinstance(value, dict):
            for pid, sub in value.items():
                answer(f"{qid}.{pid}", sub)
            if given.get("reason"):
                others.append(f"{qid} (reason): {given['reason']}")
        elif qid == "recorded" and qid not in columns:
            continue
        else:
            answer(qid, given)
    for pid, given in (review.get("outcome_record") or {}).items():
        answer(f"outcome_record.{pid}", given)
    values["other_answers"] = "\n".join(others)
    values["corrections"] = "\n".join(
        f"{c['recorded_at']} by {c['by']}: wrong: {c.get('wrong')} | "
        f"right: {c.get('right')} | why: {c.get('why')}"
        for c in review.get("corrections", [])
    )
    return [as_cell(values.get(name)) for name in columns]


def write_csv(sink: Any, reviews: Iterable[dict], qset: QuestionSet, **_: Any) -> int:
    columns = columns_for(qset)
    writer = csv.writer(sink, quoting=csv.QUOTE_ALL)
    writer.writerow([neutralise(c) for c in columns])
    n = 0
    for review in reviews:
        writer.writerow([neutralise(cell) for cell in row_for(review, columns)])
        n += 1
    return n
