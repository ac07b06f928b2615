"""Printable records for a child's file: what one decision shows, in words.

:func:`printed_decision` turns the review dict of :mod:`infoshare_cli.reading.queries` and
the question set (for the wording of questions and answers) into plain fields for the
templates of :mod:`infoshare_cli.outputs.templating`. :func:`md` and :func:`e` are the
escaping every value goes through there: backslash escapes for Markdown, ``html.escape`` for
HTML, so a reason can never become markup or a script. Pure text: no terminal, no SQL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.text import displayable

VERDICT_WORDS = {"agree": "agreed", "disagree": "did not agree"}
CORRECTION_PARTS = (("wrong", "What was wrong"), ("right", "What is right"), ("why", "Why"))


@dataclass(frozen=True)
class Row:
    """One line of the question-and-answer trail."""

    question: str
    answer: str
    reason: str = ""
    level: int = 0  # 1 for the parts of a form question


def local_time(recorded_at: str) -> str:
    from infoshare_cli.reading.records import local_time as as_local

    return as_local(recorded_at)


def _label(part: Any, value: Any) -> str:
    """A stored answer value in words: the choice's label where there is one."""
    values = value if isinstance(value, list) else [value]
    words = []
    for v in values:
        choice = part.choice(v) if part is not None and isinstance(v, str) else None
        words.append(choice.label if choice else ("" if v is None else str(v)))
    return "; ".join(words)


def answer_rows(qset: QuestionSet, review: dict[str, Any]) -> Iterator[Row]:
    """The trail in the order the questions are asked, form parts under their question."""
    order = {qid: i for i, qid in enumerate(qset.questions)}
    answers = review.get("answers", {})
    for qid in sorted(answers, key=lambda q: (order.get(q, len(order)), q)):
        answer = answers[qid]
        question = qset.questions.get(qid)
        if question is not None and question.type == "review":
            continue
        value = answer.get("answer")
        if isinstance(value, dict):
            yield Row(question.text if question else qid, "", answer.get("reason") or "")
            parts = {p.id: p for p in question.parts} if question else {}
            for pid in sorted(value, key=lambda p: list(parts).index(p) if p in parts else 99):
                sub = value[pid] if isinstance(value[pid], dict) else {"answer": value[pid]}
                part = parts.get(pid)
                yield Row(
                    part.text if part else pid,
                    _label(part, sub.get("answer")),
                    sub.get("reason") or "",
                    level=1,
                )
            continue
        yield Row(
            question.text if question else qid, _label(question, value), answer.get("reason") or ""
        )


def record_rows(qset: QuestionSet, review: dict[str, Any]) -> Iterator[Row]:
    """The extra details an outcome records (who was asked for advice, when, what they said)."""
    outcome = qset.outcomes.get(review.get("outcome") or "")
    parts = {p.id: p for p in outcome.record} if outcome else {}
    for pid, answer in (review.get("outcome_record") or {}).items():
        part = parts.get(pid)
        yield Row(
            part.text if part else pid,
            _label(part, answer.get("answer")),
            answer.get("reason") or "",
        )


def outcome_label(qset: QuestionSet, outcome: str | None) -> str:
    if outcome is not None and outcome in qset.outcomes:
        return qset.outcomes[outcome].label
    return outcome or "no outcome"


def signature_word(verified: dict[int, bool] | None, seq: int) -> str:
    if verified is None or seq not in verified:
        return ""
    return "signature verifies" if verified[seq] else "SIGNATURE DOES NOT VERIFY"


# --- Markdown ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md(text: Any) -> str:
    """Typed text made inert in Markdown: specials escaped, each line kept a plain line."""
    lines = []
    plain = displayable(str(text if text is not None else ""))
    for n, line in enumerate(plain.splitlines() or [""]):
        line = _MD_SPECIAL.sub(r"\\\1", line)
        if n:  # a continuation line starts a Markdown line: no headings, lists or quotes
            line = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
        lines.append(line)
    return "  \n".join(lines)


# --- HTML -------------------------------------------------------------------------------


def e(text: Any) -> str:
    """Escape for HTML text and attributes; keeps line breaks visible."""
    plain = displayable(str(text if text is not None else ""))
    return html.escape(plain, quote=True).replace("\n", "<br>")


def _links(review: dict[str, Any]) -> list[str]:
    links = []
    if review.get("revisits_number"):
        links.append(f"Takes decision {review['revisits_number']} again.")
    links += [
        f"Taken again as decision {later}." for later in review.get("revisited_by_numbers", [])
    ]
    return links


# --- one decision, for the templates ------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """A signed entry: who and when in words, and whether its signature verifies."""

    text: str
    word: str  # "", "signature verifies" or "SIGNATURE DOES NOT VERIFY"
    ok: bool
    comment: str = ""


@dataclass(frozen=True)
class Correction:
    heading: str
    word: str
    ok: bool
    parts: tuple[tuple[str, str], ...]  # (what was wrong / what is right / why, the text)


@dataclass(frozen=True)
class PrintedDecision:
    """Everything a printable record shows of one decision, as text (not yet escaped)."""

    id: int  # the decision's number (1, 2, 3 in the order taken), as people name it
    setting: str
    case_ref: str
    recorded: str
    question_set: str
    question_set_version: str
    status: str
    outcome: str
    basis: str
    urgent: bool
    answers: tuple[Row, ...]
    advice: tuple[Row, ...]
    signatures: tuple[Signature, ...]
    awaiting: bool
    corrections: tuple[Correction, ...]
    links: tuple[str, ...]


def _signature(text: str, seq: int, verified: dict[int, bool] | None, comment: str = ""):
    word = signature_word(verified, seq)
    return Signature(text, word, bool(word and verified and verified.get(seq)), comment)


def printed_decision(
    qset: QuestionSet,
    review: dict[str, Any],
    *,
    setting: str,
    verified: dict[int, bool] | None = None,
) -> PrintedDecision:
    qs = review.get("question_set") or {}
    signatures = [_signature(f"Decided by {review['decided_by']}", review["id"], verified)]
    for c in review.get("cosignatures", []):
        verdict = VERDICT_WORDS.get(c.get("verdict"), c.get("verdict"))
        text = f"Co-signed by {c['by']} on {local_time(c['recorded_at'])}: {verdict}"
        signatures.append(_signature(text, c["id"], verified, c.get("comment") or ""))
    corrections = []
    for c in review.get("corrections") or []:
        heading = f"Correction by {c['by']} on {local_time(c['recorded_at'])}"
        sig = _signature(heading, c["id"], verified)
        parts = tuple((title, c.get(key) or "") for key, title in CORRECTION_PARTS)
        corrections.append(Correction(heading, sig.word, sig.ok, parts))
    return PrintedDecision(
        id=review["number"],
        setting=setting,
        case_ref=review.get("case_ref") or "",
        recorded=local_time(review["recorded_at"]),
        question_set=str(qs.get("name", "?")),
        question_set_version=str(qs.get("version", "?")),
        status=review.get("status") or "",
        outcome=outcome_label(qset, review.get("outcome")),
        basis="; ".join(review.get("basis") or []),
        urgent=bool(review.get("urgent")),
        answers=tuple(answer_rows(qset, review)),
        advice=tuple(record_rows(qset, review)),
        signatures=tuple(signatures),
        awaiting=not review.get("cosignatures"),
        corrections=tuple(corrections),
        links=tuple(_links(review)),
    )
