"""A plain, obviously-correct CSV writer over review dicts: the reference the export's fast
flat-row writer (``export.write_csv_flat``) is checked against, byte for byte."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.outputs import printable
from infoshare_cli.outputs.csv_export import _cell, _CsvLayout, csv_columns, neutralise


def _csv_cells(review: dict[str, Any], layout: _CsvLayout) -> list[str]:
    """The cells of one decision, in the layout's order (empty where nothing applies).

    Called once per decision of an export, so it fills a row of empty cells by position
    instead of building a dict of every column and looking each one up again.
    """
    qs = review.get("question_set") or {}
    cosign = next(
        (c for c in reversed(review.get("cosignatures", [])) if c["by"] != review["decided_by"]),
        {},
    )
    cells = [""] * layout.width
    index = layout.index
    fixed = (
        ("id", review["id"]),
        ("recorded_at", review["recorded_at"]),
        ("recorded_local", printable.local_time(review["recorded_at"])),
        ("case_ref", review.get("case_ref")),
        ("outcome", review.get("outcome")),
        ("status", review.get("status")),
        ("decided_by", review.get("decided_by")),
        ("cosigned_by", review.get("cosigned_by")),
        ("cosign_verdict", cosign.get("verdict")),
        ("cosigned_at", cosign.get("recorded_at")),
        ("cosign_comment", cosign.get("comment")),
        ("question_set", qs.get("name")),
        ("question_set_version", qs.get("version")),
        ("question_set_sha256", qs.get("sha256")),
        ("basis", review.get("basis")),
        ("immediate_danger", review.get("urgent")),
        ("revisits", review.get("revisits")),
        ("revisited_by", review.get("revisited_by")),
        ("hash", (review.get("entries") or [{}])[0].get("hash")),
    )
    for name, value in fixed:
        i = index.get(name)
        if i is not None:
            cells[i] = _cell(value)
    other: list[str] = []

    def put(name: str, answer: dict[str, Any]) -> None:
        slots = layout.slots(name)
        if slots is not None:
            cells[slots[0]] = _cell(answer.get("answer"))
            if slots[1] is not None:
                cells[slots[1]] = _cell(answer.get("reason"))
        else:
            reason = f" ({answer['reason']})" if answer.get("reason") else ""
            other.append(f"{name}: {_cell(answer.get('answer'))}{reason}")

    for qid, answer in review.get("answers", {}).items():
        value = answer.get("answer")
        if isinstance(value, dict):
            for pid, sub in value.items():
                put(f"{qid}.{pid}", sub)
            if answer.get("reason"):
                other.append(f"{qid} (reason): {answer['reason']}")
        elif qid == "recorded" and qid not in index:
            continue  # the final review question: confirmed by signing
        else:
            put(qid, answer)
    for pid, answer in (review.get("outcome_record") or {}).items():
        put(f"outcome_record.{pid}", answer)
    i = index.get("other_answers")
    if i is not None:
        cells[i] = "\n".join(other)
    i = index.get("corrections")
    if i is not None:
        cells[i] = "\n".join(
            f"#{c['id']} {c['recorded_at']} by {c['by']}: wrong: {c.get('wrong')} | "
            f"right: {c.get('right')} | why: {c.get('why')}"
            for c in review.get("corrections", [])
        )
    return cells


def write_csv(sink: Any, reviews: Iterable[dict], qset: QuestionSet, **_: Any) -> int:
    columns = csv_columns(qset)
    layout = _CsvLayout(columns)
    writer = csv.writer(sink, quoting=csv.QUOTE_ALL)
    writer.writerow([neutralise(c) for c in columns])
    n = 0
    for review in reviews:
        writer.writerow([neutralise(cell) for cell in _csv_cells(review, layout)])
        n += 1
    return n
