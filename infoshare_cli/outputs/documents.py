"""Markdown and HTML exports: one printable record per decision."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.outputs import printable
from infoshare_cli.outputs.files import HashingWriter, verified_map
from infoshare_cli.outputs.json_export import write_json, write_jsonl

# --- Markdown and HTML ------------------------------------------------------------------


def _summary_lines(header: dict) -> list[tuple[str, str]]:
    filters = ", ".join(f"{k} {v}" for k, v in header["filters"].items() if v is not None)
    return [
        ("Exported", printable.local_time(header["exported_at"])),
        ("Exported by", header["exported_by"]),
        ("Filters", filters or "none: every decision"),
        ("Log entries up to", f"#{header['head']['seq']}" if header["head"] else "none"),
    ]


def write_md(
    sink: HashingWriter, reviews: Iterable[dict], header: dict, qset: QuestionSet, keyring, **_
) -> int:
    md = printable.md
    sink.write(f"# {md(header['setting'])}: information sharing decisions\n\n")
    for key, value in _summary_lines(header):
        sink.write(f"- **{key}:** {md(value)}\n")
    n = 0
    for review in reviews:
        verified = verified_map(keyring, review)
        record = printable.markdown_record(
            qset, review, setting=header["setting"], verified=verified, level=2
        )
        sink.write("\n---\n\n" + record)
        n += 1
    sink.write(f"\n---\n\n{n} decision{'s' if n != 1 else ''} exported.\n")
    return n


def write_html(
    sink: HashingWriter, reviews: Iterable[dict], header: dict, qset: QuestionSet, keyring, **_
) -> int:
    e = printable.e
    title = f"{header['setting']}: information sharing decisions"
    sink.write(printable.html_start(title))
    sink.write(f"<header>\n<h1>{e(title)}</h1>\n<table>\n")
    for key, value in _summary_lines(header):
        sink.write(f"<tr><th>{e(key)}</th><td>{e(value)}</td></tr>\n")
    sink.write("</table>\n</header>\n")
    n = 0
    for review in reviews:
        verified = verified_map(keyring, review)
        sink.write(
            printable.html_record(qset, review, setting=header["setting"], verified=verified)
        )
        n += 1
    sink.write(f"<footer><p>{n} decision{'s' if n != 1 else ''} exported.</p></footer>\n")
    sink.write(printable.HTML_END)
    return n


WRITERS: dict[str, Callable[..., int]] = {
    "json": write_json,
    "jsonl": write_jsonl,
    "md": write_md,
    "html": write_html,
}
