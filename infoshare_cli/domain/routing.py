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
    urgent: bool = False

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


def next_step(
    question: Question, answer: Answer, urgent: bool = False
) -> tuple[str | None, str | None]:
    """(next question id or None at the end, outcome set by this answer or None)."""
    choices = chosen(question, answer)
    if choices:
        first = choices[0]
        return first.next or question.next, first.outcome_on(urgent)
    return question.next, None


def asked_parts(
    question: Question, answers: Mapping[str, Answer], outcome: str | None, urgent: bool
) -> Iterator[Part]:
    """The parts of a form that are asked, given the parts answered so far.

    A part with ``when_outcome`` is asked only while the outcome so far (including what the
    principles answered earlier in the form decided) is one of those outcomes.
    """
    current, decided = outcome, False
    for part in question.parts:
        if part.when_outcome and current not in part.when_outcome:
            continue
        yield part
        sub = answers.get(part.id)
        if part.condition and sub is not None and not decided:
            found = condition_outcome(part, sub, urgent)
            if found is not None:
                current, decided = found, True


def condition_outcome(part: Part, answer: Answer, urgent: bool) -> str | None:
    """What a principle's answer decides (None when it holds, or may stand on the urgent route)."""
    choice = part.choice(answer.value) if isinstance(answer.value, str) else None
    if choice is None or (urgent and choice.urgent_may_stand):
        return None
    return choice.outcome_on(urgent)


def form_outcome(
    question: Question, answer: Answer, outcome: str | None, urgent: bool
) -> str | None:
    """The outcome after a form: the first principle (in the order asked) that does not hold
    decides; when every principle holds, the outcome so far stands."""
    value = answer.value if isinstance(answer.value, Mapping) else {}
    for part in asked_parts(question, value, outcome, urgent):
        sub = value.get(part.id)
        if part.condition and sub is not None:
            decided = condition_outcome(part, sub, urgent)
            if decided is not None:
                return decided
    return outcome


def route(qset: QuestionSet, answers: Mapping[str, Answer]) -> Route:
    """Follow the answers from the start; stop at the first question not yet answered.

    Answers to questions off the path are ignored, so changing an earlier answer re-routes.
    """
    path: list[str] = []
    outcome: str | None = None
    basis: list[str] = []
    alerts: list[str] = []
    urgent = False
    qid: str | None = qset.start
    while qid is not None:
        if qid in path:  # validation forbids cycles; never loop forever on a bad set
            raise QuestionSetError(f"The question set loops back to '{qid}'.")
        question = qset.questions[qid]
        answer = answers.get(qid)
        if answer is None or (
            question.type != "review" and answer_problems(question, answer, outcome, urgent)
        ):
            return Route(tuple(path), qid, outcome, tuple(basis), tuple(alerts), urgent)
        path.append(qid)
        for choice in chosen(question, answer):
            if choice.basis:
                basis.append(choice.basis)
            if choice.alert:
                alerts.append(choice.alert)
            urgent = urgent or choice.urgent
        if question.type == "form":
            outcome = form_outcome(question, answer, outcome, urgent)
        qid, set_outcome = next_step(question, answer, urgent)
        outcome = set_outcome or outcome
    return Route(tuple(path), None, outcome, tuple(basis), tuple(alerts), urgent)


def answer_problems(
    question: Part, answer: Answer, outcome: str | None = None, urgent: bool = False
) -> list[str]:
    """What is wrong with an answer, in words a practitioner understands ([] when fine).

    ``outcome`` and ``urgent`` are where the route stands before a form: they decide which
    of its parts are asked (see ``asked_parts``).
    """
    value = answer.value
    if question.type == "form" and isinstance(question, Question):  # only questions have parts
        if not isinstance(value, Mapping):
            return form_shape_problems(question, answer)
        problems = []
        asked = list(asked_parts(question, value, outcome, urgent))
        for part in asked:
            sub = value.get(part.id)
            if sub is None:
                problems.append(f"'{question.id}.{part.id}' is not answered.")
            else:
                problems += answer_problems(part, sub)
        problems += form_shape_problems(question, answer)
        skipped = [p.id for p in question.parts if p not in asked and p.id in value]
        problems += [
            f"'{question.id}.{pid}' is answered, but it is not asked on this route; remove it."
            for pid in skipped
        ]
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


def form_shape_problems(question: Question, answer: Answer) -> list[str]:
    """What is wrong with a form's answer whatever the route: not a block, unknown parts."""
    value = answer.value
    if not isinstance(value, Mapping):
        return [f"'{question.id}' needs an answer for each of its parts."]
    unknown = sorted(set(value) - {p.id for p in question.parts})
    return [f"'{question.id}' has no part called '{mention(k)}'." for k in unknown]


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
    contribute one step per choice (combinations of the same route lead the same way). A
    form whose principles (``condition`` parts) all hold contributes ``(id, "*")``; a
    principle that does not hold contributes ``("id.part", value)``, the principles before
    it holding (the first that does not hold decides, so the later ones do not matter).
    """

    # An explicit stack, not recursion: a long chain of questions must not overflow.
    stack: list[tuple[str | None, tuple[tuple[str, str], ...], str | None, bool]] = [
        (qset.start, (), None, False)
    ]
    while stack:
        qid, steps, outcome, urgent = stack.pop()
        if qid is None:
            yield steps, outcome
            continue
        question = qset.questions[qid]
        if question.type in CHOICE_TYPES:
            for choice in reversed(question.choices):
                now_urgent = urgent or choice.urgent
                stack.append(
                    (
                        choice.next or question.next,
                        steps + ((qid, choice.value),),
                        choice.outcome_on(now_urgent) or outcome,
                        now_urgent,
                    )
                )
        elif question.type == "form":
            for form_steps, form_outcome_ in reversed(list(_form_ways(question, outcome, urgent))):
                stack.append((question.next, steps + form_steps, form_outcome_, urgent))
        else:
            stack.append((question.next, steps + ((qid, "*"),), outcome, urgent))


Steps = tuple[tuple[str, str], ...]


def _form_ways(
    question: Question, outcome: str | None, urgent: bool
) -> Iterator[tuple[Steps, str | None]]:
    """The ways through a form's principles: (steps, outcome after the form)."""
    conditions = [p for p in question.parts if p.condition]

    def ways(index: int, steps: Steps, current: str | None) -> Iterator[tuple[Steps, str | None]]:
        if index == len(conditions):
            yield (steps or ((question.id, "*"),)), current
            return
        part = conditions[index]
        if part.when_outcome and current not in part.when_outcome:
            yield from ways(index + 1, steps, current)
            return
        for choice in part.choices:
            step = (f"{question.id}.{part.id}", choice.value)
            if choice.outcome is None:  # the principle holds
                yield from ways(index + 1, steps, current)
            elif urgent and choice.urgent_may_stand:
                yield from ways(index + 1, steps + (step,), current)
            else:
                yield steps + (step,), choice.outcome_on(urgent)

    yield from ways(0, (), outcome)
