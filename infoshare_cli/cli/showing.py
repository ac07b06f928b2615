"""Showing one decision: on screen, or as a printable record (used by `show` and `review`)."""

import sys
from pathlib import Path

from infoshare_cli.errors import InfoshareError
from infoshare_cli.outputs.messages import say


def taken_under(ledger, qset, payload: dict):
    """The question set the decision was taken under (kept in the log, or built in); the
    loaded set only if neither has it, so a --questions file that differs cannot relabel it."""
    from infoshare_cli.reading.question_sets import QuestionSets

    return QuestionSets(ledger, qset).for_decision(payload)[0]


def decision_renderable(ledger, qset, decision_id: int):
    from infoshare_cli.outputs.screens import decision_view
    from infoshare_cli.reading.records import load_decision, record_problems, staff_names

    record = load_decision(ledger, decision_id)
    qset = taken_under(ledger, qset, record.payload)
    problems = record_problems(ledger, record)
    verified = {seq: problem is None for seq, problem in problems.items()}
    return decision_view(qset, record, staff_names(ledger), verified, problems)


def printable_record(ledger, qset, decision_id: int, fmt: str, template=None) -> str:
    """One decision as a printable Markdown or HTML record, with its signatures checked."""
    from infoshare_cli.outputs.documents import printable_record as document
    from infoshare_cli.reading.queries import get_review
    from infoshare_cli.reading.records import load_decision, record_signatures
    from infoshare_cli.reading.register import setting_name

    record = load_decision(ledger, decision_id)
    qset = taken_under(ledger, qset, record.payload)
    review = get_review(ledger, decision_id)
    from infoshare_cli.reading.heads import head_anchor

    verified = record_signatures(ledger, record)
    setting = setting_name(ledger)
    pinned = head_anchor(ledger)  # the paper copy is itself an anchor
    return document(
        qset,
        review,
        fmt,
        setting=setting,
        verified=verified,
        template=template,
        anchor=pinned.text if pinned is not None else None,
    )


def show_printable(
    ledger,
    qset,
    decision_id: int,
    fmt: str,
    out: Path | None,
    force: bool,
    template: Path | None = None,
) -> None:
    """`show --format md|html`: print the record, or write it owner-only with --out."""
    fmt = fmt.lower()
    if fmt not in ("md", "html"):
        raise InfoshareError(f"--format: use md or html (not '{fmt[:20]}').")
    from infoshare_cli.outputs.templating import Printable

    page = Printable(fmt, template)
    text = printable_record(ledger, qset, decision_id, fmt, page)
    if out is None:
        sys.stdout.write(text)
        return
    from infoshare_cli.actions.exporting import write_private_file
    from infoshare_cli.ledger.numbering import number_of

    write_private_file(out, text, force)
    number = number_of(ledger.conn, decision_id)
    say(f"Wrote decision {number} to {out} (readable only by you).", err=True)
