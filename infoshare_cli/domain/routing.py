"""Answers and routing: from a set of answers to the one outcome the question set's rules give.

Pure Python. The outcome is never picked by hand: ``route`` computes it, and ``verify``
can compute it again from the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from infoshare_cli.domain.questions import (
    CHOICE_TYPES,
    Choice,
    Part,
    Question,
    QuestionSet,
    QuestionSetError,
)

# --- answers and routing ---------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """An answer to one question or part.

    ``value`` is a string for choice, text and date questions, a tuple of strings for
    ``multiple``, and a mapping of part id to ``Answer`` for ``form`` questions.
    """

    value: Any
    reason: str = ""


@dataclass(frozen=True)
class Route:
    """Where a set of answers leads: the questions asked in order, and what comes next."""

    path: tuple[str, ...]
    pending: str | None
    outcome: str | None
    basis: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.pending is None


_PLAIN_WORD = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def mention(value: Any) -> str:
    """A key or value from someone's file, as an error message may repeat it.

    Only a short plain word (a mistyped id like 'maybe') is repeated; anything else could be
    a child's name or a note typed in the wrong place, and is shown as '…'.
    """
    text = str(value)
    return text if _PLAIN_WORD.fullmatch(text) else "…"


def chosen(question: Part, answer: Answer) -> tuple[Choice, ...]:
    """The choices an answer selects (empty for text, date and form questions)."""
    values = answer.value if question.type == "multiple" else (answer.value,)
    if not isinstance(values, tuple | list):
        return ()
    return tuple(c for v in values if (c := question.choice(v)) is not None)


def next_step(question: Question, answer: Answer) -> tuple[str | None, str | None]:
    """(next question id or None at the end, outcome set by this answer or None)."""
    choices = chosen(question, answer)
    if choices:
        first = choices[0]
        return first.next or question.next, first.outcome
    return question.next, None


def route(qset: QuestionSet, answers: Mapping[str, Answer]) -> Route:
    """Follow the answers from the start; stop at the first question not yet answered.

    Answers to questions off the path are ignored, so changing an earlier answer re-routes.
    """
    path: list[str] = []
    outcome: str | None = None
    basis: list[str] = []
    alerts: list[str] = []
    qid: str | None = qset.start
    while qid is not None:
        if qid in path:  # validation forbids cycles; never loop forever on a bad set
            raise QuestionSetError(f"The question set loops back to '{qid}'.")
        question = qset.questions[qid]
        answer = answers.get(qid)
        if answer is None or (question.type != "review" and not is_answered(question, answer)):
            return Route(tuple(path), qid, outcome, tuple(basis), tuple(alerts))
        path.append(qid)
        for choice in chosen(question, answer):
            if choice.basis:
                basis.append(choice.basis)
            if choice.alert:
                alerts.append(choice.alert)
        qid, set_outcome = next_step(question, answer)
        outcome = set_outcome or outcome
    return Route(tuple(path), None, outcome, tuple(basis), tuple(alerts))


def is_answered(question: Part, answer: Answer) -> bool:
    return not answer_problems(question, answer)


def answer_problems(question: Part, answer: Answer) -> list[str]:
    """What is wrong with an answer, in words a practitioner understands ([] when fine)."""
    value = answer.value
    if question.type == "form" and isinstance(question, Question):  # only questions have parts
        if not isinstance(value, Mapping):
            return [f"'{question.id}' needs an answer for each of its parts."]
        problems = []
        for part in question.parts:
            sub = value.get(part.id)
            if sub is None:
                problems.append(f"'{question.id}.{part.id}' is not answered.")
            else:
                problems += answer_problems(part, sub)
        unknown = sorted(set(value) - {p.id for p in question.parts})
        problems += [f"'{question.id}' has no part called '{mention(k)}'." for k in unknown]
        return problems
    if question.type == "review":
        return []
    if question.type in ("text", "date"):
        if not isinstance(value, str) or not value.strip():
            return [f"'{question.id}' needs some text."]
        if question.type == "date":
            return _date_problems(question.id, value)
        return []
    values = value if question.type == "multiple" else (value,)
    if question.type == "multiple" and not isinstance(value, tuple | list):
        return [f"'{question.id}' takes a list of choices."]
    if not values:
        return [f"'{question.id}' needs at least one choice."]
    allowed = [c.value for c in question.choices]
    problems = [
        f"'{question.id}' has no choice '{mention(v)}'; choose from: {', '.join(allowed)}."
        for v in values
        if not isinstance(v, str) or question.choice(v) is None
    ]
    if problems:
        return problems
    # Every value names a choice (checked above).
    picked = [c for v in values if (c := question.choice(v)) is not None]
    if len(picked) > 1 and any(c.exclusive for c in picked):
        only = next(c.value for c in picked if c.exclusive)
        problems.append(f"'{question.id}': '{only}' cannot be combined with other choices.")
    if len(set(values)) != len(values):
        problems.append(f"'{question.id}' lists the same choice twice.")
    needs_reason = any(v in question.reason_required_for for v in values)
    if needs_reason and not answer.reason.strip():
        problems.append(f"'{question.id}' needs a reason for this answer: {question.reason_prompt}")
    return problems


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_date(text: str) -> bool:
    """A real day written as year-month-day (2026-11-26), spaces around it allowed.

    Only that form: Python also reads 20261126 and 2026-W48-4 as dates, but a record
    must say its dates one way, the way the question asks for them.
    """
    from datetime import date

    text = text.strip()
    if not _DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _date_problems(qid: str, value: str) -> list[str]:
    if not is_date(value):
        # The text is not repeated back: a date field may hold a note with personal data.
        return [f"'{qid}' needs a date written as year-month-day, like 2026-11-26."]
    return []


def iter_paths(qset: QuestionSet) -> Iterator[tuple[tuple[tuple[str, str], ...], str | None]]:
    """Every way through the set: ((question id, choice value), ...) and the outcome.

    Text, date and form questions contribute ``(id, "*")``; ``multiple`` questions
    contribute one step per choice (combinations of the same route lead the same way).
    """

    # An explicit stack, not recursion: a long chain of questions must not overflow.
    stack: list[tuple[str | None, tuple[tuple[str, str], ...], str | None]] = [
        (qset.start, (), None)
    ]
    while stack:
        qid, steps, outcome = stack.pop()
        if qid is None:
            yield steps, outcome
            continue
        question = qset.questions[qid]
        if question.type in CHOICE_TYPES:
            for choice in reversed(question.choices):
                stack.append(
                    (
                        choice.next or question.next,
                        steps + ((qid, choice.value),),
                        choice.outcome or outcome,
                    )
                )
        else:
            stack.append((question.next, steps + ((qid, "*"),), outcome))
