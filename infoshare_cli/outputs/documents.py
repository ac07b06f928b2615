"""Printable documents: one decision (``show --format md|html``) or an export of many.

Both are the page template of their format (:mod:`infoshare_cli.outputs.templating`),
the built-in one or the setting's own, filled with :func:`printable.printed_decision`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.outputs import printable
from infoshare_cli.outputs.files import TextSink, verified_map


def _page(fmt: str, template: Any) -> Any:
    from infoshare_cli.outputs.templating import Printable

    return template if template is not None else Printable(fmt)


def printable_record(
    qset: QuestionSet,
    review: dict[str, Any],
    fmt: str,
    *,
    setting: str,
    verified: dict[int, bool] | None = None,
    template: Any = None,
    anchor: str | None = None,
) -> str:
    """One decision as a whole Markdown or HTML document, for the child's file; ``anchor``
    is the log's head as it was printed (an anchor line), printed at its foot."""
    from infoshare_cli.outputs.templating import render_page

    decision = printable.printed_decision(qset, review, setting=setting, verified=verified)
    pieces, _ = render_page(
        _page(fmt, template),
        [decision],
        setting=setting,
        title=f"{setting}: information sharing decision {review['number']}",
        anchor=anchor,
    )
    return "".join(pieces)


def _summary_lines(header: dict) -> list[tuple[str, str]]:
    filters = ", ".join(f"{k} {v}" for k, v in header["filters"].items() if v is not None)
    warning = [("WARNING", header["warning"])] if header.get("warning") else []
    return [
        *warning,
        ("Exported", printable.local_time(header["exported_at"])),
        ("Exported by", header["exported_by"]),
        ("Filters", filters or "none: every decision"),
        ("Log entries up to", f"#{header['head']['seq']}" if header["head"] else "none"),
    ]


def _write_document(
    fmt: str,
    sink: TextSink,
    reviews: Iterable[dict],
    header: dict,
    qset: QuestionSet,
    keyring,
    template: Any = None,
    sets: Any = None,
) -> int:
    """``sets``: finds the question set each decision was taken under (its words label
    the record); ``qset`` is used for a decision whose own set is nowhere to be found."""
    from infoshare_cli.outputs.templating import render_page

    setting = header["setting"]

    def decisions() -> Iterator[printable.PrintedDecision]:
        for review in reviews:
            verified = verified_map(keyring, review)
            own = sets.for_decision(review)[0] if sets is not None else qset
            yield printable.printed_decision(own, review, setting=setting, verified=verified)

    pieces, counted = render_page(
        _page(fmt, template),
        decisions(),
        setting=setting,
        title=f"{setting}: information sharing decisions",
        summary=_summary_lines(header),
    )
    buffered: list[str] = []
    size = 0
    for piece in pieces:  # written in blocks: a large export is thousands of small pieces
        buffered.append(piece)
        size += len(piece)
        if size >= 1 << 16:
            sink.write("".join(buffered))
            buffered.clear()
            size = 0
    sink.write("".join(buffered))
    return counted.count


def write_md(sink, reviews, header, qset, keyring, template=None, sets=None, **_) -> int:
    return _write_document("md", sink, reviews, header, qset, keyring, template, sets)


def write_html(sink, reviews, header, qset, keyring, template=None, sets=None, **_) -> int:
    return _write_document("html", sink, reviews, header, qset, keyring, template, sets)


WRITERS: dict[str, Callable[..., int]] = {
    "md": write_md,
    "html": write_html,
}
