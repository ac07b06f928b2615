"""`infoshare export`: decisions to a file, for the office, and a signed note of it in the log."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.outputs.messages import say

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.status import Status

    from infoshare_cli.actions.export_check import ExportCheck

PROGRESS_FROM = 500  # decisions: below this an export is too quick for a progress bar


def export(
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="csv (opens in Excel), json or jsonl (every record's own signatures can be "
            "checked later without the log), md or html (printable).",
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
    ids: Annotated[
        bool,
        typer.Option(
            "--ids",
            help="CSV with the checklist's ids for headers and answers (purpose_reason, "
            "share_without_consent), for scripts. Without it, the CSV uses the questions' "
            "and answers' own words.",
        ),
    ] = False,
    encrypt: Annotated[
        bool,
        typer.Option(
            "--encrypt",
            help="Lock the file with a passphrase you choose (asked twice), in the standard "
            "age format: the reader opens it with the free age tool and that passphrase. "
            "Use it for every file that leaves this computer.",
        ),
    ] = False,
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient",
            help="Lock the file for the holder of this age public key (it starts with age1) "
            "instead of a passphrase: they open it with their own key. Give it once for "
            "each reader.",
            show_default=False,
            metavar="AGE_KEY",
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Your name: you sign the record of this export. Asked at a terminal; a "
            "script must give it.",
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
    """Export decisions to a file. The export is recorded in the log.

    Exporting takes records about children off this computer, so you sign it with your
    passphrase, and the log keeps who exported what, when, and a fingerprint of the file.
    Your signature covers the whole export: inside a JSON or JSONL file, and in a signed
    manifest beside any other file (FILE.manifest.json; keep the two together), so that
    `infoshare verify --export FILE` can check it later. Without --encrypt or --recipient
    the file is readable by anyone who can open it.

    The log is checked as `infoshare verify` checks it (a large JSON or JSONL export is
    written meanwhile, and kept only if the check passes), and nothing is exported from a
    log that fails. Your first export takes as long as verify; after it you sign a
    record of what passed, and your later exports check again every entry's fingerprint
    but the signatures only of what was written since.
    """
    from infoshare_cli.actions.export_check import remember_check
    from infoshare_cli.actions.exporting import run_export
    from infoshare_cli.asking.identify import identify_and_unlock
    from infoshare_cli.asking.lines import LazyAsker, passphrase_reader
    from infoshare_cli.asking.reader import reading_with
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.ledger.age_files import AGE_EXTENSION, AgeSeal, check_recipients
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.outputs.files import FORMATS, check_destination, default_file_name
    from infoshare_cli.reading.filters import make_filters
    from infoshare_cli.reading.register import load_register, setting_name

    fmt = format.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InfoshareError(f"--format: use one of {', '.join(FORMATS)} (not '{format[:20]}').")
    if excel and fmt != "csv":
        raise InfoshareError("--excel goes with --format csv.")
    if ids and fmt != "csv":
        raise InfoshareError("--ids goes with --format csv.")
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
    recipients = check_recipients(recipient or ())
    qset = load_question_set(questions)
    sealing = encrypt or bool(recipients)
    with Ledger.open(resolve_db(db)) as ledger:
        if out is not None:
            path = out
        else:
            path = Path(default_file_name(setting_name(ledger), fmt))
            if sealing:
                path = path.with_name(path.name + AGE_EXTENSION)
        check_destination(path, force)  # before anyone types a passphrase
        # One read snapshot from the whole-log check to the last row exported: what is
        # exported is what was checked (run_export ends it before logging the export).
        ledger.conn.execute("BEGIN")
        register = load_register(ledger)
        asker = LazyAsker()  # built only if someone is asked on a terminal
        ask = passphrase_reader(asker)
        typed: list[str] = []
        signer = identify_and_unlock(
            asker,
            register,
            by,
            lambda prompt: _kept(typed, ask(prompt)),
            question="Who is exporting?",
            help="Pick your own name. The log records who took records off this computer.",
            can_ask=sys.stdin.isatty(),
            nothing_done="Nothing was exported.",
            ledger=ledger,  # inside the export's read snapshot: no reseal here (see there)
        )
        # Checked once the exporter is known: their own signed statement of a head that
        # passed before lets the check take the signatures up to it as checked. A large
        # JSON or JSONL export is written while the check runs in a process beside it, and
        # logged only once the check has passed (_Checking).
        checking = _Checking(ledger, signer, fmt, allow_unverified)
        try:
            unverified, verified_head = checking.first()
            seal = None
            if recipients:
                seal = AgeSeal(recipients=recipients)
            elif encrypt:
                seal = AgeSeal(passphrase=_file_passphrase(ask, own=typed[-1]))
            typed.clear()
            progress = _progress(ledger, filters, count)
            with reading_with(ledger, signer), progress as on_row:
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
                    seal=seal,
                    human=not ids,
                    verified_head=verified_head,
                    before_logging=lambda: checking.last(progress),
                )
        finally:
            checking.close()
        check = checking.check
        assert check is not None  # run_export logs nothing before checking.last()
        remember_check(ledger, signer, check)
    where = result.path.absolute()
    say(f"Exported {counted(result.count, 'decision')} to {where}")
    say(f"SHA-256: {result.sha256}")
    say(f"Recorded in the log (by {signer.member.name}).")
    if result.manifest is not None:
        say(
            f"Signed manifest: {result.manifest.absolute()}\nKeep it with the file: "
            f"{command(f'verify --export {result.path.name}')} checks the file against it."
        )
    else:
        say(
            f"Signed as a whole by you: {command(f'verify --export {result.path.name}')} checks it."
        )
    if seal is None:
        say(
            f"This file holds personal data about children in the clear: anyone who can open "
            f"{where} can read it. To take records off this computer, export again with "
            "--encrypt and delete this file; otherwise delete it when it is no longer needed.",
            err=True,
            fg="yellow",
        )
    else:
        say(_opening_hint(result.path, seal))
    if result.erased_left_out:
        n = result.erased_left_out
        say(
            f"{counted(n, 'erased decision')} matched and {'was' if n == 1 else 'were'} left "
            f"out: {'its' if n == 1 else 'their'} content is gone for good "
            "(`infoshare verify` lists erasures).",
            err=True,
        )
    if check.rested_on is not None:
        say(_rested_on(check))
    if result.count == 0:
        say("No decisions matched, so the file has no records.", err=True)
    if unverified is not None:
        say(
            "Warning: the log fails `infoshare verify`, and the export says so on its first "
            "lines. Do not treat it as a trustworthy record.",
            err=True,
        )


class _Checking:
    """The export's check: before the export is written (``first``), or, where
    ``check_beside_wanted``, beside it in a process of its own, its verdict waited for
    before the export is logged (``last``; actions/export_check.CheckBeside)."""

    def __init__(self, ledger, signer, fmt: str, allow_unverified: bool):
        from infoshare_cli.actions.export_check import CheckBeside, check_beside_wanted

        self.ledger, self.signer, self.allow_unverified = ledger, signer, allow_unverified
        self.check: ExportCheck | None = None
        self.beside: CheckBeside | None = None
        if check_beside_wanted(ledger, fmt, allow_unverified):
            self.beside = CheckBeside(ledger, signer)

    def first(self):
        """(warning for the export or None, verified head or None) when the check runs
        first; (None, None) when it runs beside the export."""
        if self.beside is not None:
            return None, None
        self.check = _check_log_first(self.ledger, self.signer)
        return _verdict(self.check, self.allow_unverified)

    def last(self, progress) -> None:
        """Before the export is logged: the verdict of the check beside it, or of the check
        run here if that one did not pass on the export's snapshot. Raises if the log fails
        (the file written is then removed)."""
        if self.beside is None:
            return
        progress.now("Finishing the check of the log (the export is kept once it passes)")
        self.check = self.beside.result(self.ledger)
        if self.check is None:
            self.check = _check_log_first(self.ledger, self.signer, progress_bar=False)
        _verdict(self.check, allow_unverified=False)

    def close(self) -> None:
        if self.beside is not None:
            self.beside.close()


def _check_log_first(ledger, signer, progress_bar: bool = True):
    """Check the whole log before anything leaves it: an export must not launder a tampered
    log. Resting on the exporter's own checked head when one holds
    (actions/export_check.py)."""
    from infoshare_cli.actions.export_check import check_for_export
    from infoshare_cli.cli.app import checking_progress

    bar, update = checking_progress() if progress_bar else (None, None)
    try:
        return check_for_export(ledger, signer, progress=update)
    finally:
        if bar is not None:
            bar.stop()


def _verdict(check, allow_unverified: bool):
    """(None, (head seq, head hash)) if the log verifies, else (the warning the export will
    carry, None) (only with --allow-unverified; otherwise nothing is exported)."""
    from infoshare_cli.integrity.report import iter_problem_lines

    if check.passed is not None:
        head = check.passed
        return None, ((head.seq, head.hash) if head.seq else None)
    lines = iter_problem_lines(check.report) if check.report is not None else iter(())
    first = next(lines, "the log does not verify.")
    if not allow_unverified:
        raise InfoshareError(
            "Nothing was exported: this log fails `infoshare verify` "
            f"({first}) An export must not pass on a log that may have been tampered with. "
            "Run `infoshare verify` to see what is wrong. If you must export it anyway, for "
            "example for someone investigating, add --allow-unverified: the export will "
            "carry a warning."
        )
    return f"This export was taken from a log that FAILS `infoshare verify`: {first}", None


def _rested_on(check) -> str:
    """How the log was checked, when the check rested on the exporter's own earlier one."""
    from infoshare_cli.integrity.report import when_text

    trusted = check.rested_on
    head = check.passed
    when = (when_text(trusted.checked_at) or "an earlier export")[:10]
    if head.seq > trusted.seq + 1:
        since = f"entries #{trusted.seq + 1} to #{head.seq}, written since, were checked in full"
    elif head.seq == trusted.seq + 1:
        since = f"entry #{head.seq}, written since, was checked in full"
    else:
        since = "nothing was written since"
    return (
        f"The log was checked before exporting: {since}; entries #1 to #{trusted.seq} had "
        f"passed your own check on {when}, and each one's fingerprint and link still match."
    )


def _kept(typed: list[str], passphrase: str) -> str:
    typed.append(passphrase)
    return passphrase


def _file_passphrase(ask, own: str) -> str:
    """The export file's own passphrase: typed twice, as strong as a staff passphrase, and
    not the exporter's own (it is given to whoever opens the file)."""
    from infoshare_cli.asking.prompts import ask_new_passphrase

    def not_own(candidate: str) -> None:
        if candidate == own:
            raise InfoshareError(
                "Choose a different passphrase from your own: you will give this one to "
                "whoever opens the file."
            )

    return ask_new_passphrase(ask, "the export file", also_check=not_own)


def _opening_hint(path: Path, seal) -> str:
    """How the reader opens the file with the age tool, in words a manager can forward."""
    from infoshare_cli.ledger.age_files import AGE_EXTENSION

    name = path.name
    opened = name.removesuffix(AGE_EXTENSION) if name.endswith(AGE_EXTENSION) else name + ".opened"
    if seal.passphrase is not None:
        return (
            "The file is encrypted (age format) with the passphrase you chose. The reader "
            "opens it with the age tool (https://age-encryption.org):\n"
            f"  `age -d -o {opened} {path.name}`\n"
            "Send the passphrase a different way from the file (for example, by phone), never "
            "in the same email."
        )
    keys = len(seal.recipients)
    return (
        f"The file is encrypted (age format) for {counted(keys, 'age key')}. Each reader "
        "opens it with their own key file, using the age tool (https://age-encryption.org):\n"
        f"  `age -d -i THEIR-KEY-FILE -o {opened} {path.name}`"
    )


class _progress:
    """A progress bar on standard error for large exports, when someone is watching; then,
    if the export waits for a check running beside it, a spinner saying so."""

    def __init__(self, ledger, filters, limit: int):
        self.ledger, self.filters, self.limit = ledger, filters, limit
        self.bar: Progress | None = None
        self.waiting: Status | None = None

    def __enter__(self):
        if not sys.stderr.isatty():
            return None
        from infoshare_cli.actions.exporting import total_for_progress

        total = total_for_progress(self.ledger, self.filters, self.limit)
        if total < PROGRESS_FROM:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = self.bar = Progress(
            "Exporting",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        bar.start()
        task = bar.add_task("export", total=total)
        return lambda: bar.advance(task)

    def now(self, what: str) -> None:
        """Once the rows are out: the bar gives way to a spinner saying ``what``."""
        if self.bar is None:
            return
        self.bar.stop()
        self.waiting = self.bar.console.status(what)
        self.waiting.start()

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        if self.waiting is not None:
            self.waiting.stop()
        return False
