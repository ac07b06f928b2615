"""Rich renderers for reviewing the log: the decision list, a case's chronology, statistics.

They take review dicts (see :mod:`infoshare_cli.queries`) and return renderables; the
commands print them. Long lists are drawn as a series of tables with the same fixed
columns, so rows can be printed as they stream out of SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from infoshare_cli.domain.questions import OUTCOMES, QuestionSet
from infoshare_cli.domain.status import (
    AGREED,
    AWAITING,
    CORRECTED,
    ERASED,
    NOT_AGREED,
    SUPERSEDED,
    VERDICT_WORDS,
    standing_verdict,
)
from infoshare_cli.domain.text import displayable
from infoshare_cli.domain.words import counted
from infoshare_cli.hints import command, filled_in
from infoshare_cli.outputs.screens import OUTCOME_STYLES
from infoshare_cli.reading.records import age_text, local_time

STATUS_STYLES = {
    AWAITING: "yellow",
    AGREED: "green",
    NOT_AGREED: "bold red",
    SUPERSEDED: "dim",
    ERASED: "dim italic",
    CORRECTED: "magenta",
}
BAR = "█"
BAR_WIDTH = 24


def outcome_label(qset: QuestionSet, outcome: str | None) -> Text:
    if outcome is not None and outcome in qset.outcomes:
        label = qset.outcomes[outcome].label
    else:
        label = outcome or "—"
    return Text(label, style=OUTCOME_STYLES.get(outcome or "", ""))


def labelled_outcome(labels: Mapping[str, str], outcome: str | None) -> Text:
    """``outcome_label`` from the set's labels alone (see ``questions.outcome_labels``)."""
    label = labels.get(outcome, outcome or "—") if outcome is not None else "—"
    return Text(label, style=OUTCOME_STYLES.get(outcome or "", ""))


def status_text(status: str, corrected: bool = False) -> Text:
    """The state in its colour, with ', corrected' after it where a correction points at it."""
    text = Text(status, style=STATUS_STYLES.get(status, ""))
    if corrected:
        text.append(", ")
        text.append(CORRECTED, style=STATUS_STYLES[CORRECTED])
    return text


def review_status(review: Mapping[str, Any]) -> Text:
    """The decision's status; a plain FAILS CHECKS first when it fails verify's checks. A
    superseded decision names the one that took it again."""
    text = status_text(review["status"], bool(review.get("corrected")))
    later = review.get("revisited_by_numbers") or []
    if review["status"] == SUPERSEDED and later:
        text.append(f" (taken again as decision {later[-1]})")
    if review.get("checks_ok") is False:
        return Text.assemble(("FAILS CHECKS", "bold red reverse"), " (", text, ")")
    return text


FAILING_ADVICE = (
    "Read {which} with `infoshare show NUMBER` to see why, run `infoshare verify`, and do not "
    "rely on {them} until the log has been checked."
)


def trust_notice(failing: list[int], broken_staff: int | None = None) -> Text | None:
    """One plain warning under a list that holds decisions failing verify's checks
    (``failing``: their decision numbers)."""
    if not failing and broken_staff is None:
        return None
    text = Text(style="bold red")
    if broken_staff is not None:
        text.append(
            f"Staff entry #{broken_staff} fails the checks `infoshare verify` makes, so the "
            "staff register after it cannot be trusted.\n"
        )
    if failing:
        ids = ", ".join(f"{n}" for n in failing[:10]) + (" ..." if len(failing) > 10 else "")
        many = len(failing) != 1
        text.append(
            f"{counted(len(failing), 'decision')} shown here FAIL{'' if many else 'S'} "
            f"the checks `infoshare verify` makes: {ids}. "
        )
        text.append(
            FAILING_ADVICE.format(which="them" if many else "it", them="them" if many else "it")
        )
    else:
        text.append("Run `infoshare verify`.")
    # The commands as this person runs infoshare (hints.py), like every other hint.
    return Text(filled_in(text.plain), style="bold red")


def _log_table(title: str | None, show_header: bool, id_width: int) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD if show_header else box.SIMPLE,
        show_header=show_header,
        show_edge=False,
        pad_edge=False,
        expand=True,  # the same widths for every chunk: fixed columns plus shares of the rest
    )
    table.add_column("No.", justify="right", width=id_width, no_wrap=True)
    table.add_column("Recorded", width=16, no_wrap=True)
    # Where each decision stands comes before its outcome: an outcome not agreed is not final.
    table.add_column("Status", ratio=3, overflow="fold")
    table.add_column("Case", ratio=2, overflow="fold")
    table.add_column("Outcome", ratio=3, overflow="fold")
    table.add_column("Decided by", ratio=2, overflow="fold")
    table.add_column("Co-signed by", ratio=2, overflow="fold")
    return table


# Below this many columns the list's seven columns would break words ("co-signatur e"):
# each decision is drawn as a few lines instead, which wrap at words at any width.
STACK_BELOW = 100


def stacked_decision(labels: Mapping[str, str], review: Mapping[str, Any]) -> Text:
    """One decision as lines, for narrow screens: where it stands first, then the rest."""
    text = Text.assemble((f"Decision {review['number']}", "bold"), "  ", review_status(review))
    text.append(f"\n  {local_time(review['recorded_at'])}")
    if review.get("case_ref"):
        text.append(f"  case {review['case_ref']}")
    text.append("\n  Outcome: ")
    text.append_text(labelled_outcome(labels, review.get("outcome")))
    text.append(f"\n  Decided by {review.get('decided_by') or '—'}")
    if review.get("cosigned_by"):
        # A co-signer who did not agree did not co-sign it in the ordinary sense. Said from
        # the verdict: a decision taken again is superseded, and the disagreement stands.
        verdict = cosigner_verdict(review)
        verb = "not agreed by" if verdict == VERDICT_WORDS["disagree"] else "co-signed by"
        text.append(f"; {verb} {review['cosigned_by']}")
    return text


def cosigner_verdict(review: Mapping[str, Any]) -> str | None:
    """The standing co-signer's verdict in words ("agreed", "did not agree"), or None, by
    domain.status's rule over the decision's co-signatures (never from its state)."""
    cosigns = [(c.get("by"), c) for c in review.get("cosignatures") or []]
    return standing_verdict(review.get("decided_by") or "", cosigns)


def cosigner_cell(review: Mapping[str, Any]) -> str:
    """The list's co-signer column: the name, and "(did not agree)" after a disagreement."""
    name = review.get("cosigned_by") or ""
    if name and cosigner_verdict(review) == VERDICT_WORDS["disagree"]:
        return f"{name} ({VERDICT_WORDS['disagree']})"
    return name


def _stacked(
    labels: Mapping[str, str], reviews: Iterable[dict[str, Any]], title: str, chunk: int
) -> Iterator[Any]:
    from rich.console import Group

    lines: list[Any] = [Text(title, style="italic")]
    for review in reviews:
        lines.append(stacked_decision(labels, displayable(review)))
        if len(lines) >= chunk:
            yield Group(*lines)
            lines = []
    if lines and not (len(lines) == 1 and isinstance(lines[0], Text) and lines[0].plain == title):
        yield Group(*lines)


def decision_tables(
    labels: Mapping[str, str],
    reviews: Iterable[dict[str, Any]],
    title: str,
    chunk: int = 50,
    width: int | None = None,
) -> Iterator[Any]:
    """The decision list, ``chunk`` rows per table; the first table carries the header.
    Narrower than ``STACK_BELOW`` columns, each decision is a few lines instead.

    ``labels``: the question set's outcome labels (``questions.outcome_labels``)."""
    if width is not None and width < STACK_BELOW:
        yield from _stacked(labels, reviews, title, chunk)
        return
    table: Table | None = None
    id_width = 4
    for review in reviews:
        review = displayable(review)  # no control characters from the log reach the screen
        if table is None:
            id_width = max(4, len(str(review["number"])) + 1)
            table = _log_table(title, True, id_width)
        elif table.row_count >= chunk:
            yield table
            table = _log_table(None, False, id_width)
        table.add_row(
            str(review["number"]),
            local_time(review["recorded_at"]),
            review_status(review),
            Text(review.get("case_ref") or ""),  # as typed, never read as markup
            labelled_outcome(labels, review.get("outcome")),
            Text(review.get("decided_by") or ""),
            cosigner_cell(review),
        )
    if table is not None:
        yield table


def case_chronology(qset: QuestionSet, case_ref: str, reviews: list[dict[str, Any]]) -> Table:
    """Every event about one case, oldest first: decisions, co-signatures, corrections."""
    events: list[tuple[str, int, Text]] = []
    for r in map(displayable, reviews):
        text = Text.assemble(
            (f"Decision {r['number']}", "bold"),
            f" by {r['decided_by']}: ",
            outcome_label(qset, r.get("outcome")),
        )
        if r.get("basis"):
            text.append(f" ({'; '.join(r['basis'])})", style="dim")
        if r.get("revisits_number"):
            text.append(f"\nTakes decision {r['revisits_number']} again.")
        if r.get("urgent"):
            text.append("\nA child was in immediate danger.", style="bold red")
        text.append("\nNow: ")
        text.append_text(review_status(r))
        events.append((r["recorded_at"], r["id"], text))
        for c in r.get("cosignatures", []):
            if c.get("verdict") == "agree":
                line = Text(f"Co-signed decision {r['number']}: {c['by']} agreed")
            else:  # "Co-signed … did NOT agree" read as a contradiction
                line = Text(f"{c['by']} did NOT agree with decision {r['number']}")
            if c.get("comment"):
                line.append(f"\n“{c['comment']}”", style="italic")
            events.append((c["recorded_at"], c["id"], line))
        for c in r.get("corrections", []):
            line = Text(f"Correction to decision {r['number']} by {c['by']}", style="magenta")
            line.append(f"\nWas: {c.get('wrong')}\nNow: {c.get('right')}\nWhy: {c.get('why')}")
            events.append((c["recorded_at"], c["id"], line))
    table = Table(
        title=f"Case {displayable(case_ref)}: {counted(len(reviews), 'decision')}, oldest first",
        title_justify="left",
        show_lines=True,
    )
    table.add_column("When", no_wrap=True)
    table.add_column("What happened")
    for when, _, text in sorted(events, key=lambda event: (event[0], event[1])):
        table.add_row(local_time(when), text)
    return table


def _bar(count: int, biggest: int) -> Text:
    width = round(BAR_WIDTH * count / biggest) if biggest else 0
    return Text(BAR * max(width, 1 if count else 0), style="cyan")


STATUS_ORDER = (AWAITING, AGREED, NOT_AGREED, SUPERSEDED, ERASED, CORRECTED)


# Narrower than this, the statistics' columns squeeze their headings to "S…": each month
# is written as a few lines of words instead.
STATS_STACK_BELOW = 110


class _NarrowOr:
    """``wide`` where it fits, else ``narrow`` (decided at printing, by the width there)."""

    def __init__(self, wide: Any, narrow: Any, below: int = STATS_STACK_BELOW):
        self.wide, self.narrow, self.below = wide, narrow, below

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self.wide if options.max_width >= self.below else self.narrow


def _stats_lines(labels: Mapping[str, str], stats: dict[str, Any]) -> Any:
    from rich.console import Group

    def counts(found: Mapping[str, int], keys: Iterable[str], label: Any) -> str:
        # One count a line: on a narrow screen "Do not share 1" wrapped as "Do not share"
        # and, alone on the next line, "1".
        return "".join(f"\n    {label(k)}: {found.get(k, 0)}" for k in keys if found.get(k, 0))

    lines: list[Any] = [Text("Decisions per month", style="italic")]
    rows = [*stats["months"], {"month": "All", **stats["totals"]}]
    for m in rows:
        line = Text.assemble(
            (m["month"], "bold"),
            f": {counted(m['total'], 'decision')}",
        )
        by_outcome = counts(m["by_outcome"], OUTCOMES, lambda o: labelled_outcome(labels, o).plain)
        if by_outcome:
            line.append(f"\n  Outcomes:{by_outcome}")
        by_status = counts(m["by_status"], STATUS_ORDER, str)
        if by_status:
            line.append(f"\n  Status:{by_status}")
        lines.append(line)
    return Group(*lines)


def stats_tables(labels: Mapping[str, str], stats: dict[str, Any]) -> list[Any]:
    """``labels``: the question set's outcome labels (``questions.outcome_labels``)."""
    months = stats["months"]
    biggest = max((m["total"] for m in months), default=0)
    by_outcome = Table(title="Decisions per month, by outcome", title_justify="left")
    by_outcome.add_column("Month", no_wrap=True)
    by_outcome.add_column("Total", justify="right")
    by_outcome.add_column("", no_wrap=True)
    for outcome in OUTCOMES:
        by_outcome.add_column(labelled_outcome(labels, outcome), justify="right")
    for m in months:
        by_outcome.add_row(
            m["month"],
            str(m["total"]),
            _bar(m["total"], biggest),
            *[str(m["by_outcome"].get(o, 0) or "") for o in OUTCOMES],
        )
    totals = stats["totals"]
    by_outcome.add_section()
    by_outcome.add_row(
        "All",
        str(totals["total"]),
        "",
        *[str(totals["by_outcome"].get(o, 0)) for o in OUTCOMES],
        style="bold",
    )
    by_status = Table(title="Decisions per month, by status", title_justify="left")
    by_status.add_column("Month", no_wrap=True)
    for status in STATUS_ORDER:
        by_status.add_column(status_text(status), justify="right")
    for m in months:
        by_status.add_row(m["month"], *[str(m["by_status"].get(s, 0) or "") for s in STATUS_ORDER])
    by_status.add_section()
    by_status.add_row(
        "All", *[str(totals["by_status"].get(s, 0)) for s in STATUS_ORDER], style="bold"
    )
    parts: list[Any] = [_NarrowOr(Group(by_outcome, by_status), _stats_lines(labels, stats))]
    overdue = stats["overdue"]
    if overdue:
        late = Table(
            title=f"Awaiting co-signature for more than 2 days ({len(overdue)})",
            title_justify="left",
            title_style="bold red",
            border_style="red",
        )
        for column in ("No.", "Recorded", "Waiting", "Case", "Decided by", "Checks"):
            late.add_column(column)
        for d in overdue:
            late.add_row(
                str(d["number"]),
                local_time(d["recorded_at"]),
                age_text(d["recorded_at"]),
                Text(displayable(d.get("case_ref") or "")),  # as typed, never markup
                Text(displayable(d.get("decided_by") or "")),
                "FAILS" if d.get("checks_ok") is False else "pass",
                style="bold red",
            )
        parts.append(late)
        parts.append(Text(f"Co-sign them with {command('cosign NUMBER')}.", style="red"))
    else:
        parts.append(Text("Nothing has been awaiting co-signature for more than 2 days.", "green"))
    return parts


def exports_table(exports: Iterable[dict[str, Any]]) -> Table | None:
    table = Table(title="Exports: who took records off this computer", title_justify="left")
    table.add_column("Entry", no_wrap=True)
    table.add_column("When", no_wrap=True)
    table.add_column("By")
    table.add_column("Decisions", justify="right")
    table.add_column("File", overflow="fold", min_width=16)
    table.add_column("SHA-256", no_wrap=True)
    table.add_column("Filters", overflow="fold", min_width=7)
    for x in map(displayable, exports):
        filters = ", ".join(f"{k} {v}" for k, v in (x.get("filters") or {}).items() if v)
        table.add_row(
            f"#{x['id']}",
            local_time(x["recorded_at"]),
            x.get("exported_by") or "",
            str(x.get("count")),
            (x.get("file") or "") + (" (encrypted)" if x.get("encrypted") else ""),
            (x.get("sha256") or "")[:8] + "…",
            filters or "all",
        )
    return table if table.row_count else None
