"""A decision as data: the draft the wizard builds, its checks, and the payload it is logged as.

Pure Python. The outcome is never chosen by hand: it is whatever ``questions.route``
makes of the answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infoshare_cli.domain.case_refs import normal_form, normalise_case_ref
from infoshare_cli.domain.questions import Part, QuestionSet, QuestionSetError
from infoshare_cli.domain.routing import (
    Answer,
    Route,
    answer_problems,
    form_shape_problems,
    mention,
    route,
)
from infoshare_cli.domain.text import UNSAFE_MESSAGE, has_control_characters
from infoshare_cli.errors import InfoshareError

MAX_CASE_REF = 40
MAX_TEXT = 4000
# The one display filter and input check live in domain/text.py (used from here by name).
CONTROL_MESSAGE = UNSAFE_MESSAGE


VERDICTS = ("agree", "disagree")

CASE_REF_HELP = (
    "Use your setting's own case reference for the child (for example C-1042), "
    "not the child's name: the log keeps as little personal data as it can."
)


@dataclass
class Draft:
    """A decision being taken: who, about which case, and the answers so far."""

    case_ref: str
    decided_by: str
    answers: dict[str, Answer] = field(default_factory=dict)
    outcome_record: dict[str, Answer] = field(default_factory=dict)
    revisits: int | None = None

    def route(self, qset: QuestionSet) -> Route:
        return route(qset, self.answers)


def check_case_ref(value: str) -> str:
    cleaned = normal_form(value)  # NFKC, spaces tidied (domain/case_refs.py)
    if not cleaned:
        raise InfoshareError("The case reference cannot be empty. " + CASE_REF_HELP)
    if len(cleaned) > MAX_CASE_REF:
        raise InfoshareError(
            f"The case reference may be at most {MAX_CASE_REF} characters long. " + CASE_REF_HELP
        )
    if not cleaned.isprintable():
        raise InfoshareError("The case reference may only contain printable characters.")
    return normalise_case_ref(cleaned)  # no look-alike letters or digits


_CAPITALISED_WORD = re.compile(r"[A-Z][A-Za-z'’-]*[a-z][A-Za-z'’-]*")


def looks_like_a_name(case_ref: str) -> bool:
    """Two or more capitalised words ("Amelia Jones") read like a person's name, not a case
    reference (C-1042). Asked about before anything is signed: the log is never edited."""
    words = str(case_ref).replace(",", " ").split()
    return sum(1 for w in words if _CAPITALISED_WORD.fullmatch(w)) >= 2


def outcome_parts(qset: QuestionSet, outcome: str | None) -> tuple[Part, ...]:
    """Extra details an outcome records (who was asked for advice, and when)."""
    if outcome is None or outcome not in qset.outcomes:
        return ()
    return qset.outcomes[outcome].record


def draft_problems(qset: QuestionSet, draft: Draft) -> list[str]:
    """Every reason the draft cannot be signed yet ([] when it is complete)."""
    problems: list[str] = []
    try:
        check_case_ref(draft.case_ref)
    except InfoshareError as exc:
        problems.append(exc.message)
    for qid, answer in draft.answers.items():
        if qid not in qset.questions:
            problems.append(f"There is no question '{mention(qid)}' in {qset.name} {qset.version}.")
        elif qset.questions[qid].type != "form":
            problems += answer_problems(qset.questions[qid], answer)
        else:  # which parts a form asks depends on the route: checked in full below
            problems += form_shape_problems(qset.questions[qid], answer)
        problems += _length_problems(mention(qid), answer)
    if problems:
        return problems
    current = draft.route(qset)
    if current.pending is not None and qset.questions[current.pending].type != "review":
        pending = qset.questions[current.pending]
        if pending.type == "form" and current.pending in draft.answers:
            answer = draft.answers[current.pending]
            return answer_problems(pending, answer, current.outcome, current.urgent)
        problems.append(f"'{current.pending}' is not answered yet.")
        return problems
    off_path = [q for q in draft.answers if q not in current.path and q != current.pending]
    for qid in off_path:
        problems.append(
            f"'{qid}' is answered, but the answers before it do not lead there "
            f"({' -> '.join(current.path)}). Remove it, or change the earlier answer."
        )
    if current.outcome is None:
        problems.append("The answers do not lead to an outcome.")
    parts = {p.id: p for p in outcome_parts(qset, current.outcome)}
    for pid, part in parts.items():
        recorded = draft.outcome_record.get(pid)
        if recorded is None:
            problems.append(f"The outcome '{current.outcome}' needs '{pid}': {part.text}")
        else:
            problems += answer_problems(part, recorded) + _length_problems(pid, recorded)
    for pid in draft.outcome_record:
        if pid not in parts:
            problems.append(
                f"'{mention(pid)}' is not something the outcome '{current.outcome}' records"
                + (f" (it records: {', '.join(parts)})." if parts else ".")
            )
    return problems


def _length_problems(qid: str, answer: Answer) -> list[str]:
    texts = [answer.reason]
    if isinstance(answer.value, str):
        texts.append(answer.value)
    elif isinstance(answer.value, Mapping):
        for sub in answer.value.values():
            if isinstance(sub, Answer):
                texts.append(sub.reason)
                if isinstance(sub.value, str):
                    texts.append(sub.value)
    problems = []
    if any(len(t) > MAX_TEXT for t in texts):
        problems.append(f"'{qid}': keep each answer and reason under {MAX_TEXT:,} characters.")
    if any(isinstance(t, str) and has_control_characters(t) for t in texts):
        problems.append(f"'{qid}': {CONTROL_MESSAGE}.")
    return problems


# --- to and from the log's JSON ---------------------------------------------------------


def answer_to_json(answer: Answer) -> dict[str, Any]:
    value = answer.value
    if isinstance(value, Mapping):
        value = {k: answer_to_json(v) for k, v in value.items()}
    elif isinstance(value, tuple | list):
        value = list(value)
    result: dict[str, Any] = {"answer": value}
    if answer.reason.strip():
        result["reason"] = answer.reason.strip()
    return result


def answer_from_json(data: Mapping[str, Any]) -> Answer:
    value = data.get("answer")
    if isinstance(value, Mapping):
        value = {k: answer_from_json(v) for k, v in value.items()}
    elif isinstance(value, list):
        value = tuple(value)
    return Answer(value, data.get("reason", ""))


def recompute(qset: QuestionSet, answers_json: Any) -> Route | None:
    """Where a logged decision's answers lead under ``qset`` (None if they cannot be read)."""
    if not isinstance(answers_json, Mapping):
        return None
    try:
        answers = {qid: answer_from_json(raw) for qid, raw in answers_json.items()}
    except (TypeError, AttributeError):  # not the shape the tool writes
        return None
    return route(qset, answers)


def follows(current: Route) -> dict[str, Any]:
    """What the log records as following from the answers: outcome, basis, urgency."""
    return {
        "outcome": current.outcome,
        "basis": list(current.basis),
        "urgent": current.urgent or bool(current.alerts),
    }


def outcome_problem(qset: QuestionSet, payload: Mapping[str, Any]) -> str | None:
    """Why a logged decision's outcome does not follow from its answers under ``qset``
    (None when it does). The one rule the wizard's payload and ``verify`` share."""
    where = f"question set '{qset.name}' version {qset.version}"
    try:
        current = recompute(qset, payload.get("answers"))
    except (QuestionSetError, TypeError, AttributeError, KeyError):
        current = None
    if current is None:
        return f"Its answers cannot be read as answers to {where}."
    if not current.complete:
        stop = mention(current.pending)
        return f"Its answers do not reach the end of {where} (they stop at '{stop}')."
    wanted = follows(current)
    recorded = mention(payload.get("outcome"))
    if payload.get("outcome") != wanted["outcome"]:
        return (
            f"It records the outcome '{recorded}', but its answers lead to "
            f"'{wanted['outcome']}' under {where}."
        )
    if list(payload.get("basis") or []) != wanted["basis"]:
        return f"It records a basis for sharing that its answers under {where} do not give."
    if bool(payload.get("urgent")) != wanted["urgent"]:
        return f"It records the urgent route wrongly for its answers under {where}."
    return None


def decision_payload(qset: QuestionSet, draft: Draft) -> dict[str, Any]:
    """What the log stores for a complete draft. Raises if the draft is not complete."""
    problems = draft_problems(qset, draft)
    if problems:
        raise InfoshareError("The decision is not complete:", problems=problems)
    current = draft.route(qset)
    answers = {qid: answer_to_json(draft.answers[qid]) for qid in current.path}
    if current.pending is not None:  # the final review question, confirmed by signing
        answers[current.pending] = {"answer": "confirmed"}
    payload: dict[str, Any] = {
        "case_ref": check_case_ref(draft.case_ref),
        "question_set": qset.identity,
        "answers": answers,
        **follows(current),
    }
    problem = outcome_problem(qset, payload)  # the same rule verify applies, from the log's form
    if problem is not None:
        raise InfoshareError("The decision cannot be recorded: " + problem)
    if draft.outcome_record:
        payload["outcome_record"] = {k: answer_to_json(v) for k, v in draft.outcome_record.items()}
    if draft.revisits is not None:
        payload["revisits"] = int(draft.revisits)
    return payload


def cosign_payload(
    decision_seq: int, decision_hash: str, verdict: str, comment: str
) -> dict[str, Any]:
    if verdict not in VERDICTS:
        raise InfoshareError(f"A co-signature must agree or disagree (not '{verdict}').")
    comment = comment.strip()
    if verdict == "disagree" and not comment:
        raise InfoshareError(
            "Say why you disagree: the comment is part of the record. Nothing was written."
        )
    if len(comment) > MAX_TEXT:
        raise InfoshareError(f"Keep the comment under {MAX_TEXT:,} characters.")
    if has_control_characters(comment):
        raise InfoshareError(f"In the comment, {CONTROL_MESSAGE}. Nothing was written.")
    return {
        "decision": decision_seq,
        "decision_hash": decision_hash,
        "verdict": verdict,
        "comment": comment,
    }
