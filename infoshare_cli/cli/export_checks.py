"""What `verify --export` prints: what the check proved about an export, and what failed."""

from __future__ import annotations

import json as jsonlib

import typer

from infoshare_cli.domain.text import displayable, json_escaped
from infoshare_cli.domain.words import counted
from infoshare_cli.hints import command
from infoshare_cli.outputs.messages import say

FORMAT_WORDS = {"csv": "CSV", "md": "Markdown", "html": "HTML", "json": "JSON", "jsonl": "JSONL"}
LOCKS = {"passphrase": "with a passphrase", "age-keys": "for age keys"}
SHOWN_PROBLEMS = 6


def _short(hash_text: object) -> str:
    return displayable(str(hash_text)[:16]) + "…"


def _filters_text(filters: dict | None, limit: int) -> str:
    used = [
        f"{displayable(str(name))} {displayable(str(value))}"
        for name, value in (filters or {}).items()
        if value is not None
    ]
    text = ("filters: " + ", ".join(used)) if used else "no filters (every decision)"
    return text + (f", the newest {limit} only" if limit else "")


def print_export_report(report, json: bool) -> None:
    if json:
        typer.echo(json_escaped(jsonlib.dumps(report.to_json(), indent=2, ensure_ascii=False)))
        return
    if not report.ok:
        _print_failed(report)
        return
    name = displayable(report.exporter.name) if report.exporter else "its exporter"
    decisions = counted(report.decisions, "decision")
    if report.checked_inside:
        say("✓ The export is intact.", fg="green", bold=True)
        say(
            f"  {decisions} ({counted(report.entries, 'signed entry', 'signed entries')}): "
            f"every hash and signature holds against the {counted(report.keys, 'public key')} "
            "the export lists."
        )
        say(
            f"  Signed as a whole by {name}, who exported it: no decision, co-signature or "
            "correction was left out, added or changed since, and its count, filters, head "
            "and list of keys are as exported."
        )
    else:
        say(f"✓ The export is exactly as {name} exported it.", fg="green", bold=True)
        what = FORMAT_WORDS.get(report.kind, displayable(report.kind))
        say(
            f"  The {what} file matches its signed manifest byte for byte (SHA-256 "
            f"{_short(report.sha256)}): {decisions}, "
            f"{_filters_text(report.filters, report.limit)}."
        )
    if report.manifest is not None and report.checked_inside:
        say(f"  It also matches its signed manifest byte for byte ({report.manifest}).")
    if report.opened:
        say(
            "  It is the content of the encrypted export that manifest describes, exactly as "
            "the age tool opened it."
        )
    elif report.encrypted is not None and not report.checked_inside:
        lock = LOCKS.get(report.encrypted, "")
        say(
            f"  The file is encrypted {lock} (age format): this checked the locked file "
            "without opening it. To check what is inside, open it with the age tool (age -d "
            f"-o OPENED FILE) and run {command('verify --export OPENED --manifest MANIFEST')}."
        )
    elif not report.checked_inside:
        say(
            f"  A {FORMAT_WORDS.get(report.kind, 'file')} export holds no signed entries, so "
            f"its rows rest on {name}'s signature (the log passed `infoshare verify` when it "
            "was exported, unless a warning says otherwise below)."
        )
    if report.head is not None:
        # Only a JSON or JSONL export is read back as an anchor (``--anchor FILE``).
        serves = "; it can serve as an anchor for the log" if report.checked_inside else ""
        say(
            f"  It was taken when the log's newest entry was #{report.head['seq']} (hash "
            f"{_short(report.head['hash'])}){serves}."
        )
    if report.warning:
        say(f"  Warning carried by the export: {displayable(report.warning)}", fg="yellow")
    if report.anchor_note:
        say(f"  {displayable(report.anchor_note)}")
    if report.anchor_warning:
        say(f"  {displayable(report.anchor_warning)}", fg="yellow")
    if not report.keys_checked:
        say(
            "  The keys come from the export itself: to be sure they are the staff's real "
            "keys, check it against an anchor "
            f"({command('verify --export FILE --anchor ANCHOR')}) or check the log with "
            f"{command('verify')}.",
            dim=True,
        )


def _print_failed(report) -> None:
    say("✗ The export does NOT verify.", fg="red", bold=True)
    say(f"  First problem: {displayable(report.problems[0].message)}")
    for problem in report.problems[1:SHOWN_PROBLEMS]:
        say(f"  {displayable(problem.message)}")
    if len(report.problems) > SHOWN_PROBLEMS:
        say(f"  …and {len(report.problems) - SHOWN_PROBLEMS} more.")
    if report.manifest is not None:
        say(f"  (Checked against the signed manifest {displayable(report.manifest)}.)")
