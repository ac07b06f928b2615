"""Scripted answers: a decision taken on paper, replayed from a YAML or JSON file.

The file is checked by the same rules as the wizard (``decisions.draft_problems``), and
every problem is listed before anything is written. See examples/answers.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infoshare_cli.checklist.loading import load_marked_yaml
from infoshare_cli.domain.decisions import Draft, draft_problems
from infoshare_cli.domain.questions import QuestionSet, QuestionSetError
from infoshare_cli.domain.routing import Answer, mention
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError

MAX_BYTES = 256 * 1024
FILE_KEYS = {"case_ref", "decided_by", "answers", "outcome_record", "revisits"}


@dataclass
class ScriptedDecision:
    draft: Draft
    decided_by: str | None


def load_answers_file(path: Path, qset: QuestionSet) -> ScriptedDecision:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InfoshareError(f"No answers file at {path}. Check the path.") from None
    except IsADirectoryError:
        raise InfoshareError(f"{path} is a folder; give the path of an answers file.") from None
    except OSError as exc:
        raise InfoshareError(f"{path}: cannot read the file ({exc.strerror}).") from None
    return parse_answers(data, str(path), qset)


def parse_answers(data: bytes, source: str, qset: QuestionSet) -> ScriptedDecision:
    if len(data) > MAX_BYTES:
        raise InfoshareError(f"{source}: an answers file may be at most {MAX_BYTES:,} bytes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InfoshareError(f"{source}: the file is not UTF-8 text. Save it as UTF-8.") from None
    if source.lower().endswith(".json"):
        try:
            tree = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InfoshareError(
                f"{source}, line {exc.lineno}, column {exc.colno}: the JSON is not valid "
                f"({exc.msg})."
            ) from None
        except RecursionError:
            raise InfoshareError(f"{source}: the JSON is nested far too deeply.") from None
    else:
        try:
            tree = load_marked_yaml(text, source)
        except QuestionSetError as exc:
            hint = ""
            if "a value cannot be read" in exc.message:  # YAML reads 2026-13-45 as a bad date
                hint = " Write dates as year-month-day, for example 2026-11-26."
            raise InfoshareError(exc.message + hint) from None
    problems: list[str] = []
    draft = _build_draft(tree, qset, problems)
    if draft is not None and not problems:
        problems += draft_problems(qset, draft)
    if problems or draft is None:  # no draft: _build_draft has listed why
        count = len(problems)
        raise InfoshareError(
            f"{source} has {counted(count, 'problem')}; nothing was written:",
            problems=problems,
        )
    decided_by = tree.get("decided_by")
    return ScriptedDecision(draft, str(decided_by) if decided_by is not None else None)


def _build_draft(tree: Any, qset: QuestionSet, problems: list[str]) -> Draft | None:
    if not isinstance(tree, Mapping):
        problems.append(
            "The file must hold 'case_ref' and 'answers' (a block of key: value lines)."
        )
        return None
    for key in tree:
        if key not in FILE_KEYS:
            problems.append(
                f"Unknown key '{mention(key)}'; the keys are {', '.join(sorted(FILE_KEYS))}."
            )
    case_ref = tree.get("case_ref")
    if not isinstance(case_ref, str | int) or isinstance(case_ref, bool):
        problems.append("'case_ref' is missing: give the setting's case reference for the child.")
        case_ref = ""
    decided_by = tree.get("decided_by")
    if decided_by is not None and not isinstance(decided_by, str):
        problems.append("'decided_by' must be a name.")
    revisits = tree.get("revisits")
    if revisits is not None and (isinstance(revisits, bool) or not isinstance(revisits, int)):
        problems.append("'revisits' must be a decision number (such as 4).")
        revisits = None
    answers_node = tree.get("answers")
    if answers_node is None:
        problems.append("'answers' is missing: a block of question id: answer lines.")
        answers_node = {}
    elif not isinstance(answers_node, Mapping):
        problems.append("'answers' must be a block of question id: answer lines.")
        answers_node = {}
    answers: dict[str, Answer] = {}
    for qid, raw in answers_node.items():
        question = qset.questions.get(str(qid))
        if question is None:
            problems.append(
                f"'{mention(qid)}' is not a question in {qset.name} {qset.version}; the "
                f"questions are {', '.join(qset.questions)}."
            )
            continue
        if question.type == "form":
            if not isinstance(raw, Mapping):
                problems.append(f"'{qid}' needs a block with an answer for each of its parts.")
                continue
            answers[qid] = Answer(
                {str(k): _answer(v, f"{qid}.{mention(k)}", problems) for k, v in raw.items()}
            )
        elif question.type != "review":
            answers[qid] = _answer(raw, str(qid), problems)
    record_node = tree.get("outcome_record") or {}
    record: dict[str, Answer] = {}
    if not isinstance(record_node, Mapping):
        problems.append("'outcome_record' must be a block of key: value lines.")
    else:
        record = {str(k): _answer(v, mention(k), problems) for k, v in record_node.items()}
    return Draft(str(case_ref), str(decided_by or ""), answers, record, revisits)


def _answer(raw: Any, where: str, problems: list[str]) -> Answer:
    """``value``, or ``{answer: value, reason: text}``; lists for several choices."""
    reason = ""
    if isinstance(raw, Mapping):
        unknown = set(raw) - {"answer", "reason"}
        if unknown:
            problems.append(
                f"'{where}': unknown {'key' if len(unknown) == 1 else 'keys'} "
                f"{', '.join(sorted(mention(k) for k in unknown))}; use 'answer' and 'reason'."
            )
        reason_raw = raw.get("reason", "")
        if not isinstance(reason_raw, str):
            problems.append(f"'{where}': the reason must be text.")
        else:
            reason = reason_raw
        raw = raw.get("answer")
    if isinstance(raw, bool):
        problems.append(
            f"'{where}': write yes and no in quotes (\"yes\"), or the file reads them "
            "as true/false."
        )
        return Answer("", reason)
    if isinstance(raw, list):
        return Answer(tuple(str(v) for v in raw), reason)
    if raw is None:
        return Answer("", reason)
    if hasattr(raw, "isoformat"):  # YAML reads 2026-11-26 as a date
        return Answer(raw.isoformat(), reason)
    return Answer(str(raw), reason)
