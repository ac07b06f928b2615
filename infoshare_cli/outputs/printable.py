"""Printable records for a child's file: one decision as Markdown or HTML.

Works from the review dict of :mod:`infoshare_cli.queries` and the question set (for the
wording of questions and answers). Everything a person typed is escaped: ``html.escape``
for HTML, backslash escapes for Markdown, so a reason can never become markup or a script.
Pure text: no terminal, no SQL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infoshare_cli.domain.decisions import displayable
from infoshare_cli.domain.questions import QuestionSet

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
    if outcome in qset.outcomes:
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


def markdown_record(
    qset: QuestionSet,
    review: dict[str, Any],
    *,
    setting: str,
    verified: dict[int, bool] | None = None,
    level: int = 1,
) -> str:
    h = "#" * level
    qs = review.get("question_set") or {}
    out = [
        f"{h} Information sharing decision #{review['id']}",
        "",
        f"- **Setting:** {md(setting)}",
        f"- **Case reference:** {md(review.get('case_ref'))}",
        f"- **Recorded:** {md(local_time(review['recorded_at']))}",
        f"- **Question set:** {md(qs.get('name', '?'))}, version {md(qs.get('version', '?'))}",
        f"- **Status:** {md(review.get('status'))}",
        "",
        f"{h}# Outcome: {md(outcome_label(qset, review.get('outcome')))}",
        "",
    ]
    if review.get("basis"):
        out += [f"**Basis:** {md('; '.join(review['basis']))}", ""]
    if review.get("urgent"):
        out += ["**A child was in immediate danger when this was recorded.**", ""]
    out += [f"{h}# Questions and answers", ""]
    for row in answer_rows(qset, review):
        indent = "    " * row.level
        answer = f": {md(row.answer)}" if row.answer else ""
        out.append(f"{indent}- **{md(row.question)}**{answer}")
        if row.reason:
            out.append(f"{indent}  *Reason:* {md(row.reason)}")
    extra = list(record_rows(qset, review))
    if extra:
        out += ["", f"{h}# Advice", ""]
        for row in extra:
            out.append(f"- **{md(row.question)}**: {md(row.answer)}")
    out += ["", f"{h}# Signatures", ""]
    out += [_md_signature(f"Decided by {review['decided_by']}", review["id"], verified)]
    for c in review.get("cosignatures", []):
        verdict = VERDICT_WORDS.get(c.get("verdict"), c.get("verdict"))
        line = f"Co-signed by {c['by']} on {local_time(c['recorded_at'])}: {verdict}"
        out.append(_md_signature(line, c["id"], verified))
        if c.get("comment"):
            out.append(f"  *Comment:* {md(c['comment'])}")
    if not review.get("cosignatures"):
        out.append("- Awaiting co-signature by a second manager.")
    corrections = review.get("corrections") or []
    if corrections:
        out += ["", f"{h}# Corrections", ""]
        for c in corrections:
            out.append(
                _md_signature(
                    f"Correction #{c['id']} by {c['by']} on {local_time(c['recorded_at'])}",
                    c["id"],
                    verified,
                )
            )
            for key, title in CORRECTION_PARTS:
                out.append(f"  - *{title}:* {md(c.get(key))}")
    links = _links(review)
    if links:
        out += ["", f"{h}# Links", ""] + [f"- {md(link)}" for link in links]
    return "\n".join(out) + "\n"


def _md_signature(text: str, seq: int, verified: dict[int, bool] | None) -> str:
    word = signature_word(verified, seq)
    return f"- {md(text)}" + (f" — {word}" if word else "")


def _links(review: dict[str, Any]) -> list[str]:
    links = []
    if review.get("revisits"):
        links.append(f"Takes decision #{review['revisits']} again.")
    links += [f"Taken again as decision #{later}." for later in review.get("revisited_by", [])]
    return links


# --- HTML -------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 50em; margin: 2em auto; color: #111;
       line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
td.part { padding-left: 2em; } .reason { font-style: italic; }
.bad { color: #a00; font-weight: bold; } .ok { color: #060; }
article { page-break-after: always; }
@media print { body { margin: 0; } }
"""


def e(text: Any) -> str:
    """Escape for HTML text and attributes; keeps line breaks visible."""
    plain = displayable(str(text if text is not None else ""))
    return html.escape(plain, quote=True).replace("\n", "<br>")


def html_start(title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    )


HTML_END = "</body>\n</html>\n"


def html_record(
    qset: QuestionSet,
    review: dict[str, Any],
    *,
    setting: str,
    verified: dict[int, bool] | None = None,
) -> str:
    """One decision as an HTML <article> (wrap it with :func:`html_document`)."""
    qs = review.get("question_set") or {}
    out = [
        "<article>",
        f"<h1>Information sharing decision #{e(review['id'])}</h1>",
        "<table>",
    ]
    for key, value in (
        ("Setting", setting),
        ("Case reference", review.get("case_ref")),
        ("Recorded", local_time(review["recorded_at"])),
        ("Question set", f"{qs.get('name', '?')}, version {qs.get('version', '?')}"),
        ("Status", review.get("status")),
        ("Outcome", outcome_label(qset, review.get("outcome"))),
        ("Basis", "; ".join(review.get("basis") or []) or "—"),
    ):
        out.append(f"<tr><th>{e(key)}</th><td>{e(value)}</td></tr>")
    out.append("</table>")
    if review.get("urgent"):
        out.append('<p class="bad">A child was in immediate danger when this was recorded.</p>')
    out += [
        "<h2>Questions and answers</h2>",
        "<table>",
        "<tr><th>Question</th><th>Answer</th><th>Reason</th></tr>",
    ]
    for row in answer_rows(qset, review):
        cls = ' class="part"' if row.level else ""
        out.append(
            f"<tr><td{cls}>{e(row.question)}</td><td>{e(row.answer)}</td>"
            f'<td class="reason">{e(row.reason)}</td></tr>'
        )
    out.append("</table>")
    extra = list(record_rows(qset, review))
    if extra:
        out += ["<h2>Advice</h2>", "<table>"]
        for row in extra:
            out.append(f"<tr><th>{e(row.question)}</th><td>{e(row.answer)}</td></tr>")
        out.append("</table>")
    out += ["<h2>Signatures</h2>", "<ul>"]
    out.append(_html_signature(f"Decided by {review['decided_by']}", review["id"], verified))
    for c in review.get("cosignatures", []):
        verdict = VERDICT_WORDS.get(c.get("verdict"), c.get("verdict"))
        text = f"Co-signed by {c['by']} on {local_time(c['recorded_at'])}: {verdict}"
        comment = f' <span class="reason">“{e(c["comment"])}”</span>' if c.get("comment") else ""
        out.append(_html_signature(text, c["id"], verified, comment))
    if not review.get("cosignatures"):
        out.append("<li>Awaiting co-signature by a second manager.</li>")
    out.append("</ul>")
    corrections = review.get("corrections") or []
    if corrections:
        out += ["<h2>Corrections</h2>"]
        for c in corrections:
            heading = f"Correction #{c['id']} by {c['by']} on {local_time(c['recorded_at'])}"
            out.append(f"<p>{e(heading)} {_html_word(verified, c['id'])}</p><table>")
            for key, title in (
                ("wrong", "What was wrong"),
                ("right", "What is right"),
                ("why", "Why"),
            ):
                out.append(f"<tr><th>{e(title)}</th><td>{e(c.get(key))}</td></tr>")
            out.append("</table>")
    links = _links(review)
    if links:
        out += ["<h2>Links</h2>", "<ul>"] + [f"<li>{e(link)}</li>" for link in links] + ["</ul>"]
    out.append("</article>")
    return "\n".join(out) + "\n"


def _html_word(verified: dict[int, bool] | None, seq: int) -> str:
    word = signature_word(verified, seq)
    if not word:
        return ""
    cls = "ok" if verified and verified.get(seq) else "bad"
    return f'<span class="{cls}">({e(word)})</span>'


def _html_signature(text: str, seq: int, verified, extra: str = "") -> str:
    return f"<li>{e(text)} {_html_word(verified, seq)}{extra}</li>"


def html_document(qset: QuestionSet, review: dict[str, Any], *, setting: str, verified=None):
    title = f"{setting}: information sharing decision #{review['id']}"
    body = html_record(qset, review, setting=setting, verified=verified)
    return html_start(title) + body + HTML_END
