"""`infoshare export`: decisions to a file, for the office, and a signed note of it in the log."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from infoshare_cli.cli.options import (
    CaseOption,
    DbOption,
    OutcomeOption,
    QuestionsOption,
    SearchOption,
    SinceOption,
    StatusOption,
    TemplateOption,
    UntilOption,
    resolve_db,
)
from infoshare_cli.errors import InfoshareError

PROGRESS_FROM = 500  # decisions: below this an export is too quick for a progress bar


def export(
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="csv (opens in Excel), json or jsonl (can be checked later without the "
            "log), md or html (printable).",
            metavar="FORMAT",
        ),
    ] = "csv",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The file to write. Default: the setting's name and today's date, in the "
            "current folder.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the file if it already exists.")
    ] = False,
    excel: Annotated[
        bool,
        typer.Option("--excel", help="CSV for Excel: adds the mark Excel needs to show accents."),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Your name: you sign the record of this export. Asked if not given.",
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    case: CaseOption = None,
    outcome: OutcomeOption = None,
    status: StatusOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    decided_by: Annotated[
        str | None,
        typer.Option(
            "--decided-by",
            help="Only decisions taken by this person (their name).",
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    search: SearchOption = None,
    count: Annotated[
        int,
        typer.Option("-n", "--count", min=0, help="Only the newest N matching decisions (0: all)."),
    ] = 0,
    template: TemplateOption = None,
    allow_unverified: Annotated[
        bool,
        typer.Option(
            "--allow-unverified",
            help="Export even though the log fails `infoshare verify` (for example to hand "
            "the evidence to someone investigating). The export then carries a warning.",
        ),
    ] = False,
    db: DbOption = None,
    questions: QuestionsOption = None,
) -> None:
    """Export decisions to a file (readable only by you). The export is recorded in the log.

    Exporting takes records about children off this computer, so you sign it with your
    passphrase, and the log keeps who exported what, when, and a fingerprint of the file.
    """
    from infoshare_cli.actions.exporting import run_export
    from infoshare_cli.asking.identify import identify_and_unlock
    from infoshare_cli.asking.prompts import QuestionaryAsker, passphrase_reader
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.outputs.files import FORMATS, check_destination, default_file_name
    from infoshare_cli.reading.filters import make_filters
    from infoshare_cli.reading.register import load_register, setting_name

    fmt = format.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InfoshareError(f"--format: use one of {', '.join(FORMATS)} (not '{format[:20]}').")
    if excel and fmt != "csv":
        raise InfoshareError("--excel goes with --format csv.")
    page = None
    if template is not None:
        from infoshare_cli.outputs.templating import Printable

        page = Printable(fmt, template)  # a broken template is found before any passphrase
    filters = make_filters(
        case=case,
        outcome=outcome,
        status=status,
        since=since,
        until=until,
        by=decided_by,
        search=search,
    )
    qset = load_question_set(questions)
    with Ledger.open(resolve_db(db)) as ledger:
        path = out if out is not None else Path(default_file_name(setting_name(ledger), fmt))
        check_destination(path, force)  # before anyone types a passphrase
        unverified = _check_log_first(ledger, allow_unverified)
        register = load_register(ledger)
        asker = QuestionaryAsker()
        signer = identify_and_unlock(
            asker,
            register,
            by,
            passphrase_reader(asker),
            question="Who is exporting?",
            help="Pick your own name. The log records who took records off this computer.",
            can_ask=sys.stdin.isatty(),
            nothing_done="Nothing was exported.",
        )
        with _progress(ledger, filters, count) as on_row:
            result = run_export(
                ledger,
                signer,
                qset,
                fmt=fmt,
                filters=filters,
                path=path,
                force=force,
                excel=excel,
                limit=count,
                on_row=on_row,
                template=page,
                unverified=unverified,
            )
    plural = "" if result.count == 1 else "s"
    typer.echo(f"Exported {result.count} decision{plural} to {result.path}")
    typer.echo(f"SHA-256: {result.sha256}")
    typer.echo(
        f"Recorded in the log as entry #{result.entry.seq} (by {signer.member.name}). "
        "Only you can read the file: keep it safe and delete it when it is no longer needed."
    )
    if result.count == 0:
        typer.echo("No decisions matched, so the file has no records.", err=True)
    if unverified is not None:
        typer.echo(
            "Warning: the log fails `infoshare verify`, and the export says so on its first "
            "lines. Do not treat it as a trustworthy record.",
            err=True,
        )


def _check_log_first(ledger, allow_unverified: bool) -> str | None:
    """Check the whole log before anything leaves it: an export must not launder a tampered
    log. Returns None if it verifies, else the warning the export will carry (only with
    --allow-unverified; otherwise nothing is exported)."""
    from infoshare_cli.cli.app import checking_progress
    from infoshare_cli.integrity.report import iter_problem_lines
    from infoshare_cli.integrity.verify import verify_ledger

    bar, update = checking_progress()
    try:
        report = verify_ledger(ledger, progress=update)
    finally:
        if bar is not None:
            bar.stop()
    if report.ok:
        return None
    first = next(iter_problem_lines(report), "the log does not verify.")
    if not allow_unverified:
        raise InfoshareError(
            "Nothing was exported: this log fails `infoshare verify` "
            f"({first}) An export must not pass on a log that may have been tampered with. "
            "Run `infoshare verify` to see what is wrong. If you must export it anyway, for "
            "example for someone investigating, add --allow-unverified: the export will "
            "carry a warning."
        )
    return f"This export was taken from a log that FAILS `infoshare verify`: {first}"


class _progress:
    """A progress bar on standard error for large exports, when someone is watching."""

    def __init__(self, ledger, filters, limit: int):
        self.ledger, self.filters, self.limit = ledger, filters, limit
        self.bar = None

    def __enter__(self):
        if not sys.stderr.isatty():
            return None
        from infoshare_cli.actions.exporting import total_for_progress

        total = total_for_progress(self.ledger, self.filters, self.limit)
        if total < PROGRESS_FROM:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.bar = Progress(
            "Exporting",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("export", total=total)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
