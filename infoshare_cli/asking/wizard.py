"""The wizard: asks a question set one question at a time, with Back and a review screen.

It knows nothing of terminals or SQL. It talks to an ``Asker`` (questionary prompts in
``prompts.py``, or anything with the same methods in tests) and fills in a ``Draft``; the
outcome comes from the answers through ``questions.route``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from infoshare_cli.domain.dates import as_iso_day
from infoshare_cli.domain.decisions import Draft, draft_problems, outcome_parts
from infoshare_cli.domain.questions import Part, Question, QuestionSet
from infoshare_cli.domain.routing import (
    Answer,
    answer_problems,
    asked_parts,
    condition_outcome,
)
from infoshare_cli.errors import Cancelled

BACK = "__back__"
CONFIRM, CHANGE, CANCEL = "confirm", "change", "cancel"
OUTCOME_RECORD = "__outcome_record__"


class Asker(Protocol):
    """What the wizard needs from a user interface. ``BACK`` means "previous question"."""

    def select(
        self,
        message: str,
        choices: Sequence[tuple[str, str]],
        *,
        help: str = "",
        default: str | None = None,
        back: bool = False,
        numbered: bool = True,
    ) -> str: ...

    def checkbox(
        self,
        message: str,
        choices: Sequence[tuple[str, str]],
        *,
        help: str = "",
        default: Sequence[str] = (),
        back: bool = False,
    ) -> list[str] | str: ...

    def text(
        self,
        message: str,
        *,
        help: str = "",
        default: str = "",
        back: bool = False,
        kind: str = "text",
    ) -> str: ...

    def alert(self, text: str) -> None: ...

    # Optional: ``note(text)`` for notices that are not urgent; ``alert`` is used without it.

    def review(self, qset: QuestionSet, draft: Draft) -> None: ...


def run_wizard(qset: QuestionSet, draft: Draft, asker: Asker) -> Draft:
    """Ask until the draft is complete and the practitioner confirms it on the review screen."""
    remembered: dict[str, Answer] = {}
    alerted = False
    while True:
        current = draft.route(qset)
        if current.alerts and not alerted:
            for alert in current.alerts:
                asker.alert(alert)
            alerted = True
            calling_now(asker)
        qid = current.pending
        if qid is not None and qset.questions[qid].type != "review":
            question = qset.questions[qid]
            where = Where(qset, current.outcome, current.urgent)
            earlier, resume = remembered.get(qid), False
            if question.type == "form" and qid in draft.answers:
                # An earlier answer changed which parts are asked: keep the parts still
                # asked, and ask only what is missing.
                earlier = _still_asked(question, draft.answers.pop(qid), where)
                if not answer_problems(question, earlier, where.outcome, where.urgent):
                    draft.answers[qid] = earlier
                    continue
                resume = True
            answer = ask_question(
                asker, question, earlier, back=bool(current.path), where=where, resume=resume
            )
            if answer is None:  # Back: re-ask the previous question on the path
                previous = current.path[-1]
                remembered[previous] = draft.answers.pop(previous)
                continue
            draft.answers[qid] = answer
            continue
        # Every question is answered: the outcome may ask for details (seek advice).
        if _ask_outcome_record(asker, qset, draft, current.outcome, remembered) is BACK:
            previous = current.path[-1]
            remembered[previous] = draft.answers.pop(previous)
            continue
        _drop_answers_off_path(qset, draft)
        action, target = review_screen(asker, qset, draft)
        if action == CONFIRM:
            return draft
        if action == CANCEL:
            raise Cancelled("Cancelled at the review: nothing was written.")
        if target == OUTCOME_RECORD:
            for pid, answer in draft.outcome_record.items():
                remembered[f"{OUTCOME_RECORD}.{pid}"] = answer
            draft.outcome_record.clear()
        elif target is not None:
            remembered[target] = draft.answers.pop(target)


CALLING, CARRY_ON = "calling", "carry_on"
STOPPED_TO_CALL = (
    "Stopped so you can act now. Nothing was saved: this record is saved only once it is "
    "completed. When the child is safe, run {decide} again to record the decision."
)


def calling_now(asker: Asker) -> None:
    """After an alert to act now: let the person stop and make the call. Nothing half-done
    is saved (a record is saved only when complete), and they are told so plainly."""
    from infoshare_cli.hints import command

    choice = asker.select(
        "Do you need to make the call now?",
        [
            (CALLING, "Yes: stop here and make the call. Nothing is saved; record it afterwards"),
            (CARRY_ON, "The call is made, or someone else is making it: carry on recording"),
        ],
        help="Nothing is saved until the record is completed and confirmed.",
    )
    if choice == CALLING:
        raise Cancelled(STOPPED_TO_CALL.format(decide=command("decide")))


def _still_asked(question: Question, answer: Answer, where: Where) -> Answer:
    value = answer.value if isinstance(answer.value, dict) else {}
    asked = {p.id for p in asked_parts(question, value, where.outcome, where.urgent)}
    return Answer({pid: sub for pid, sub in value.items() if pid in asked})


def _drop_answers_off_path(qset: QuestionSet, draft: Draft) -> None:
    current = draft.route(qset)
    for qid in list(draft.answers):
        if qid not in current.path:
            del draft.answers[qid]
    wanted = {p.id for p in outcome_parts(qset, current.outcome)}
    for pid in list(draft.outcome_record):
        if pid not in wanted:
            del draft.outcome_record[pid]


def _ask_outcome_record(asker, qset, draft, outcome, remembered) -> Any:
    parts = [p for p in outcome_parts(qset, outcome) if p.id not in draft.outcome_record]
    if not parts:
        return None
    label = qset.outcomes[outcome].label
    _note(asker, f"Outcome so far: {label}. {qset.outcomes[outcome].description}")
    defaults = {p.id: remembered.get(f"{OUTCOME_RECORD}.{p.id}") for p in parts}
    answers = ask_parts(asker, [with_terms(qset, p) for p in parts], defaults, back=True)
    if answers is None:
        return BACK
    draft.outcome_record.update(answers)
    return None


def _note(asker: Asker, text: str) -> None:
    """A plain notice; ``alert`` is kept for what must be acted on now (call 999)."""
    note = getattr(asker, "note", None)
    (note or asker.alert)(text)


def review_screen(asker: Asker, qset: QuestionSet, draft: Draft) -> tuple[str, str | None]:
    """Show the whole record; confirm it, change an answer, or cancel."""
    asker.review(qset, draft)
    problems = draft_problems(qset, draft)
    choices = [(CHANGE, "Change an answer"), (CANCEL, "Cancel: do not save this decision")]
    if not problems:
        choices.insert(0, (CONFIRM, "Confirm: this record is right, go on to signing"))
    else:
        _note(asker, "This record is not complete yet: " + " ".join(problems))
    action = asker.select(
        "Is this record right?",
        choices,
        help="Read every answer. Choose 'Change an answer' to correct one; the questions "
        "that follow from it are asked again where needed.",
    )
    if action != CHANGE:
        return action, None
    current = draft.route(qset)
    targets = [(qid, qset.questions[qid].text) for qid in current.path]
    if draft.outcome_record:
        targets.append((OUTCOME_RECORD, "The details of the outcome"))
    target = asker.select("Which answer do you want to change?", targets, help="", back=True)
    return (CHANGE, None) if target == BACK else (CHANGE, target)


@dataclass(frozen=True)
class Where:
    """Where the route stands when a question is asked: the set, the outcome so far, and
    whether it is the urgent route (which parts of a form are asked depends on them)."""

    qset: QuestionSet | None = None
    outcome: str | None = None
    urgent: bool = False


def with_terms(qset: QuestionSet | None, part: Part) -> Part:
    """The part with a plain line under its help for each glossary word it uses."""
    if qset is None:
        return part
    texts = [part.text, part.help, *(c.label for c in part.choices)]
    terms = qset.terms_in(*texts)
    if not terms:
        return part
    lines = "\n".join(f"“{term}”: {line}" for term, line in terms)
    return replace(part, help=f"{part.help}\n{lines}".strip())


def ask_question(
    asker: Asker,
    question: Question,
    previous: Answer | None,
    *,
    back: bool,
    where: Where | None = None,
    resume: bool = False,
) -> Answer | None:
    """Ask one question (and its reason where needed). None means Back.

    ``resume``: a form already partly answered starts at its first missing part."""
    where = where or Where()
    if question.type == "form":
        defaults = previous.value if previous is not None else {}
        parts = ask_form(asker, question, defaults, back=back, where=where, resume=resume)
        return None if parts is None else Answer(parts)
    return ask_part(asker, with_terms(where.qset, question), previous, back=back)


def ask_form(
    asker: Asker,
    question: Question,
    defaults: dict,
    *,
    back: bool,
    where: Where,
    resume: bool = False,
) -> dict[str, Answer] | None:
    """Ask a form's parts in turn. A principle that does not hold (a ``condition`` part)
    is either kept, and decides the outcome, or the practitioner goes back to change what
    or how they share until it holds."""
    answers: dict[str, Answer] = {}
    index = 0
    if resume:  # keep the answers up to the first part that is missing
        for part in list(asked_parts(question, defaults, where.outcome, where.urgent)):
            if part.id not in defaults or answer_problems(part, defaults[part.id]):
                break
            answers[part.id] = defaults[part.id]
        index = len(answers)
    while True:
        parts = list(asked_parts(question, answers, where.outcome, where.urgent))
        if index >= len(parts):
            return {p.id: answers[p.id] for p in parts}
        part = parts[index]
        shown = with_terms(where.qset, part)
        if index == 0:
            shown = replace(shown, help=f"{question.text} {question.help}\n\n{shown.help}".strip())
        previous = answers.get(part.id) or (defaults or {}).get(part.id)
        answer = ask_part(asker, shown, previous, back=back or index > 0)
        if answer is None:
            if index == 0:
                return None
            answers.pop(part.id, None)
            index -= 1
            continue
        answers[part.id] = answer
        decided = condition_outcome(part, answer, where.urgent) if part.condition else None
        if decided is not None and _change_instead(asker, part, decided, where):
            defaults = {k: v for k, v in {**(defaults or {}), **answers}.items() if k != part.id}
            answers = {}
            index = 0
            continue
        index += 1


def _change_instead(asker: Asker, part: Part, decided: str, where: Where) -> bool:
    """A principle does not hold: keep the answer (it decides the outcome), or change?"""
    label = decided
    if where.qset is not None and decided in where.qset.outcomes:
        label = where.qset.outcomes[decided].label
    action = asker.select(
        "This principle does not hold. What do you want to do?",
        [
            ("keep", f"Keep this answer: the outcome becomes “{label}”"),
            ("change", "Change what or how I share, so that it holds (the answers are kept)"),
        ],
        help="A record cannot say share while a principle of sharing in the right way does "
        "not hold. You can change what you share, with whom or how, and check again.",
    )
    return action == "change"


def ask_parts(
    asker: Asker,
    parts: Sequence[Part],
    defaults: dict,
    *,
    back: bool,
) -> dict[str, Answer] | None:
    """Ask several parts in turn (an outcome's record); Back moves to the previous part,
    or out."""
    answers: dict[str, Answer] = {}
    index = 0
    while index < len(parts):
        part = parts[index]
        previous = answers.get(part.id) or (defaults or {}).get(part.id)
        answer = ask_part(asker, part, previous, back=back or index > 0)
        if answer is None:
            if index == 0:
                return None
            index -= 1
            continue
        answers[part.id] = answer
        index += 1
    return answers


def ask_part(asker: Asker, part: Part, previous: Answer | None, *, back: bool) -> Answer | None:
    shown = part
    while True:
        choices = [(c.value, c.label) for c in part.choices]
        if part.type == "multiple":
            ticked = list(previous.value) if previous else []
            value: Any = asker.checkbox(
                part.text, choices, help=shown.help, default=ticked, back=back
            )
            if value == BACK:
                return None
            values = tuple(value)
            only = [c.value for c in part.choices if c.exclusive and c.value in values]
            if only and len(values) > 1:  # re-ask now, before a reason is typed for it
                label = next(c.label for c in part.choices if c.value == only[0])
                problem = f"'{label}' cannot be ticked together with other choices."
                shown = replace(part, help=f"{problem}\n\n{part.help}".strip())
                previous = Answer(values)
                continue
            shown = part
        elif part.type in ("text", "date"):
            value = asker.text(
                part.text,
                help=part.help,
                back=back,
                kind=part.type,
                default=previous.value if previous else "",
            )
            if value == BACK:
                return None
            if part.type == "date":  # 'today' or 29/11/2026 is stored as 2026-11-29
                value = as_iso_day(value)
            return Answer(value.strip())
        else:
            default = previous.value if previous else None
            value = asker.select(part.text, choices, help=part.help, default=default, back=back)
            if value == BACK:
                return None
            values = (value,)
        if not any(v in part.reason_required_for for v in values):
            return Answer(values if part.type == "multiple" else values[0])
        reason = asker.text(
            part.reason_prompt,
            help="A reason is needed for this answer: it is part of the record.",
            default=previous.reason if previous else "",
            back=True,
            kind="reason",
        )
        if reason == BACK:
            previous = Answer(values if part.type == "multiple" else values[0])
            continue
        return Answer(values if part.type == "multiple" else values[0], reason.strip())
