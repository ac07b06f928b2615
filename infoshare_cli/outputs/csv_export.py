"""CSV exports: one row per decision, safe to open in Excel (formula starts neutralised)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from infoshare_cli.domain.questions import Part, QuestionSet
from infoshare_cli.domain.status import VERDICT_WORDS
from infoshare_cli.ledger.entries import json_loader
from infoshare_cli.ledger.sealing import payload_opener
from infoshare_cli.outputs.files import FORMULA_STARTS, TextSink

# --- CSV --------------------------------------------------------------------------------


def neutralise(cell: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe, so it stays text."""
    if not cell:
        return cell
    first = cell[0]
    if first == " ":  # only then is stripping needed (it runs for every cell of every row)
        stripped = cell.lstrip(" ")
        first = stripped[0] if stripped else ""
    if first and first in FORMULA_STARTS:
        return "'" + cell
    return cell


# The columns every row starts with (the answers follow; "hash" is always last).
_FIXED_COLUMNS = (
    "number",  # the decision's number, as people name it ("hash" finds its entry)
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
    "hash",
)


def csv_columns(qset: QuestionSet) -> list[str]:
    """Readable columns: one per answer and one per reason, form parts as ``question.part``."""
    columns = list(_FIXED_COLUMNS[:-1])  # "hash" goes last
    for qid, question in qset.questions.items():
        if question.type == "review":
            continue
        if question.type == "form":
            for part in question.parts:
                columns += [f"{qid}.{part.id}", f"{qid}.{part.id}_reason"]
        else:
            columns += [qid, f"{qid}_reason"]
    for outcome in qset.outcomes.values():
        for part in outcome.record:
            name = f"outcome_record.{part.id}"
            if name not in columns:
                columns += [name, f"{name}_reason"]
    return [*columns, "other_answers", "corrections", "hash"]


# Headers for people (the default export); the machine ids stay available with --ids.
_HUMAN_FIXED = {
    "number": "Decision",
    "recorded_at": "Recorded (UTC)",
    "recorded_local": "Recorded (local time)",
    "case_ref": "Case reference",
    "outcome": "Outcome",
    "status": "Status",
    "decided_by": "Decided by",
    "cosigned_by": "Co-signed by",
    "cosign_verdict": "Co-signer's verdict",
    "cosigned_at": "Co-signed at (UTC)",
    "cosign_comment": "Co-signer's comment",
    "question_set": "Question set",
    "question_set_version": "Question set version",
    "question_set_sha256": "Question set fingerprint (SHA-256)",
    "basis": "Basis for sharing",
    "immediate_danger": "A child in immediate danger",
    "revisits": "Takes decision again",
    "revisited_by": "Taken again as decision",
    "other_answers": "Other answers",
    "corrections": "Corrections",
    "hash": "Entry hash (for checking)",
}
_VERDICT_WORDS = dict(VERDICT_WORDS)  # the co-signer's verdict in words, as every screen says it


class HumanCells:
    """The people's version of a CSV row: headers in the question set's words, choices by
    their labels ("Share without consent", not share_without_consent), outcome and verdict
    in words. Built once per export from the machine columns; rows are changed in place."""

    def __init__(self, qset: QuestionSet, columns: list[str]):
        parts: dict[str, tuple[str, Part]] = {}
        for qid, question in qset.questions.items():
            if question.type == "form":
                for part in question.parts:
                    parts[f"{qid}.{part.id}"] = (f"{question.text} — {part.text}", part)
            else:
                parts[qid] = (question.text, question)
        for outcome in qset.outcomes.values():
            for part in outcome.record:
                parts.setdefault(f"outcome_record.{part.id}", (part.text, part))
        self.headers: list[str] = []
        self.words: list[tuple[int, dict[str, str]]] = []
        for index, name in enumerate(columns):
            if name in _HUMAN_FIXED:
                self.headers.append(_HUMAN_FIXED[name])
            elif name.endswith("_reason") and name.removesuffix("_reason") in parts:
                self.headers.append(f"Reason: {parts[name.removesuffix('_reason')][0]}")
            elif name in parts:
                text, part = parts[name]
                self.headers.append(text)
                if part.choices:
                    self.words.append((index, {c.value: c.label for c in part.choices}))
            else:
                self.headers.append(name)
        self.words.append(
            (columns.index("outcome"), {o.id: o.label for o in qset.outcomes.values()})
        )
        self.words.append((columns.index("cosign_verdict"), _VERDICT_WORDS))

    def apply(self, cells: list[str]) -> None:
        for index, words in self.words:
            value = cells[index]
            if not value:
                continue
            if value in words:
                cells[index] = words[value]
            elif "; " in value:  # several ticked
                cells[index] = "; ".join(words.get(v, v) for v in value.split("; "))


def _cell(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join([v if type(v) is str else _cell(v) for v in value])
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class _CsvLayout:
    """Where each value goes in a row of ``columns``, worked out once per export."""

    def __init__(self, columns: list[str]):
        self.columns = list(columns)
        self.width = len(columns)
        self.index = {name: i for i, name in enumerate(columns)}
        self._slots: dict[str, tuple[int, int | None] | None] = {}

    def slots(self, name: str) -> tuple[int, int | None] | None:
        """(value column, reason column or None) for an answer; None if it has no column."""
        try:
            return self._slots[name]
        except KeyError:
            pass
        index = self.index
        found = (index[name], index.get(f"{name}_reason")) if name in index else None
        self._slots[name] = found
        return found


# The export's CSV comes straight from flat rows (``queries.iter_flat_decisions``): one JSON
# parse of the signed payload per decision, then a plan of where each answer goes, worked out
# once per export. The cells are the very ones the plain reference writer in
# tests/csv_reference.py gives for the decision's review dict (a test checks the two agree
# byte for byte), and are quoted as
# ``csv.writer(quoting=QUOTE_ALL)`` quotes them, a whole row at a time.

_RISKY_FIRST = FORMULA_STARTS | {" "}  # neutralise() changes a cell only if it starts so
_SEP = "\x00"  # joins a row's cells for the checks below; a cell holding it goes the slow way
_RISKY_CELL = re.compile(_SEP + " *[" + re.escape("".join(sorted(FORMULA_STARTS))) + "]")
_ROWS_PER_WRITE = 500


def write_csv_flat(
    sink: TextSink,
    rows: Iterable[tuple],
    qset: QuestionSet,
    names: dict[str, str],
    on_row: Callable[[], None] | None = None,
    human: bool = False,
) -> int:
    """The export's CSV, from ``iter_flat_decisions`` rows; returns the row count.

    ``human``: headers and choices in the question set's words (the default of `export`);
    otherwise the machine ids (``export --ids``), for scripts and other systems."""
    from infoshare_cli.reading.queries import flat_status
    from infoshare_cli.reading.records import local_time

    columns = csv_columns(qset)
    layout = _CsvLayout(columns)
    width = layout.width
    index = layout.index
    writer = csv.writer(sink, quoting=csv.QUOTE_ALL)
    people = HumanCells(qset, columns) if human else None
    writer.writerow([neutralise(c) for c in (people.headers if people else columns)])
    careful = _CarefulRows()

    (
        i_id,
        i_at,
        i_local,
        i_case,
        i_outcome,
        i_status,
        i_by,
        i_cosigned_by,
        i_verdict,
        i_cosigned_at,
        i_comment,
        i_qs_name,
        i_qs_version,
        i_qs_sha,
        i_basis,
        i_urgent,
        i_revisits,
        i_revisited_by,
        i_hash,
    ) = (index[name] for name in _FIXED_COLUMNS)
    i_other, i_corrections = index["other_answers"], index["corrections"]
    has_recorded_column = "recorded" in index
    # (value column, reason column or None), or None for "other_answers"; filled as met
    plain_slots: dict[str, Any] = {}
    form_slots: dict[str, dict[str, Any]] = {}
    slots_of = layout.slots
    blank = [""] * width
    cell = _cell
    loads = json_loader()
    opened = payload_opener()  # sealed content, opened with the keys of whoever unlocked
    risky_first = _RISKY_FIRST
    risky_cell = _RISKY_CELL.search
    chunk: list[str] = []
    n = 0

    def other_answer(other: list[str], name: str, answer: dict[str, Any]) -> None:
        reason = f" ({answer['reason']})" if answer.get("reason") else ""
        other.append(f"{name}: {cell(answer.get('answer'))}{reason}")

    for seq, recorded_at, actor, body, digest, _, cosigns, fixes, later, number, earlier in rows:
        payload = opened(seq, "decision", loads(body))
        cells = blank[:]
        decided_by = names.get(actor, actor)
        signed = (
            [
                (c_actor, c_at, opened(c_seq, "cosign", loads(c_body)))
                for c_seq, c_at, c_actor, c_body in loads(cosigns)
            ]
            if cosigns is not None
            else []
        )
        cosign_at = cosign_verdict = cosign_comment = None
        for c_actor, c_at, c_body in signed:  # the newest by someone else, by name
            if names.get(c_actor, c_actor) != decided_by:
                cosign_at, cosign_verdict = c_at, c_body.get("verdict")
                cosign_comment = c_body.get("comment") or None
        status, cosigner = flat_status(
            actor, [(c[0], c[2]) for c in signed], fixes is not None, later is not None
        )
        qs = payload.get("question_set", {}) or {}
        cells[i_id] = str(number) if type(number) is int else cell(number)
        cells[i_at] = recorded_at if type(recorded_at) is str else cell(recorded_at)
        cells[i_local] = local_time(recorded_at)
        v = payload.get("case_ref")
        cells[i_case] = v if type(v) is str else cell(v)
        v = payload.get("outcome")
        cells[i_outcome] = v if type(v) is str else cell(v)
        cells[i_status] = status.state
        cells[i_by] = decided_by if type(decided_by) is str else cell(decided_by)
        if cosigner:
            v = names.get(cosigner, cosigner)
            cells[i_cosigned_by] = v if type(v) is str else cell(v)
        if cosign_verdict is not None:
            v = cosign_verdict
            cells[i_verdict] = v if type(v) is str else cell(v)
        if cosign_at is not None:
            cells[i_cosigned_at] = cosign_at if type(cosign_at) is str else cell(cosign_at)
        if cosign_comment is not None:
            v = cosign_comment
            cells[i_comment] = v if type(v) is str else cell(v)
        v = qs.get("name")
        cells[i_qs_name] = v if type(v) is str else cell(v)
        v = qs.get("version")
        cells[i_qs_version] = v if type(v) is str else cell(v)
        v = qs.get("sha256")
        cells[i_qs_sha] = v if type(v) is str else cell(v)
        v = payload.get("basis", [])
        if v != [] and v is not None:  # no basis: an empty cell, as _cell gives
            cells[i_basis] = cell(v)
        cells[i_urgent] = "yes" if payload.get("urgent", False) else "no"
        if earlier is not None:
            cells[i_revisits] = cell(earlier)
        if later is not None:
            cells[i_revisited_by] = cell(loads(later))
        cells[i_hash] = digest if type(digest) is str else cell(digest)
        other: list[str] = []
        for qid, answer in payload.get("answers", {}).items():
            value = answer.get("answer")
            if isinstance(value, dict):
                parts = form_slots.get(qid)
                if parts is None:
                    parts = form_slots[qid] = {}
                for pid, sub in value.items():
                    slots = parts.get(pid, parts)  # `parts` itself: not looked up yet
                    if slots is parts:
                        slots = parts[pid] = slots_of(f"{qid}.{pid}")
                    if slots is None:
                        other_answer(other, f"{qid}.{pid}", sub)
                        continue
                    v = sub.get("answer")
                    cells[slots[0]] = v if type(v) is str else cell(v)
                    if slots[1] is not None:
                        v = sub.get("reason")
                        cells[slots[1]] = v if type(v) is str else "" if v is None else cell(v)
                if answer.get("reason"):
                    other.append(f"{qid} (reason): {answer['reason']}")
                continue
            if qid == "recorded" and not has_recorded_column:
                continue  # the final review question: confirmed by signing
            slots = plain_slots.get(qid, plain_slots)
            if slots is plain_slots:
                slots = plain_slots[qid] = slots_of(qid)
            if slots is None:
                other_answer(other, qid, answer)
                continue
            cells[slots[0]] = value if type(value) is str else cell(value)
            if slots[1] is not None:
                v = answer.get("reason")
                cells[slots[1]] = v if type(v) is str else "" if v is None else cell(v)
        for pid, answer in (payload.get("outcome_record") or {}).items():
            name = f"outcome_record.{pid}"
            slots = slots_of(name)
            if slots is None:
                other_answer(other, name, answer)
                continue
            v = answer.get("answer")
            cells[slots[0]] = v if type(v) is str else cell(v)
            if slots[1] is not None:
                v = answer.get("reason")
                cells[slots[1]] = v if type(v) is str else "" if v is None else cell(v)
        cells[i_other] = "\n".join(other)
        if fixes is not None:
            lines = []
            for c_seq, c_at, c_actor, c_body in loads(fixes):
                fix = opened(c_seq, "correction", loads(c_body))
                lines.append(
                    f"{c_at} by {names.get(c_actor, c_actor)}: wrong: "
                    f"{fix.get('wrong')} | right: {fix.get('right')} | why: {fix.get('why')}"
                )
            cells[i_corrections] = "\n".join(lines)
        if people is not None:
            people.apply(cells)

        # Quoted as csv.writer(quoting=QUOTE_ALL) does: every cell in double quotes, a double
        # quote inside doubled, "\r\n" after the row. A row with a cell a spreadsheet could
        # read as a formula, or a cell holding _SEP, goes through neutralise() and the csv
        # module instead.
        text = _SEP.join(cells)
        first = cells[0]
        if (
            (first and first[0] in risky_first)
            or risky_cell(text) is not None
            or text.count(_SEP) != width - 1
        ):
            chunk.append(careful.row([neutralise(c) for c in cells]))
        else:
            if '"' in text:
                text = text.replace('"', '""')
            chunk.append('"' + text.replace(_SEP, '","') + '"\r\n')
        n += 1
        if len(chunk) >= _ROWS_PER_WRITE:
            sink.write("".join(chunk))
            chunk.clear()
        if on_row is not None:
            on_row()
    if chunk:
        sink.write("".join(chunk))
    return n


class _CarefulRows:
    """One row through the csv module, as text (for the rare rows that need neutralising)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, quoting=csv.QUOTE_ALL)

    def row(self, cells: list[str]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue()
