"""The `infoshare` command line: a thin layer that parses options and calls the core."""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from infoshare_cli import __version__
from infoshare_cli.cli.app import explain_unexpected, new_app, print_error
from infoshare_cli.cli.commands import decide as decide_commands
from infoshare_cli.cli.commands import erasure as erasure_commands
from infoshare_cli.cli.commands import export as export_commands
from infoshare_cli.cli.commands import integrity as integrity_commands
from infoshare_cli.cli.commands import questions as questions_commands
from infoshare_cli.cli.commands import review as review_commands
from infoshare_cli.cli.commands import staff as staff_commands

HELP = """Record decisions to share information about a child, co-signed by a second manager.

New here? Run `infoshare decide`: the first time, it sets up the log and registers you as the
first manager, then walks you through the checklist. `infoshare rules` shows the seven golden
rules for information sharing.
"""

app = new_app(help=HELP, add_completion=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"infoshare {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show full technical details when something goes wrong."),
    ] = False,
) -> None:
    if debug:
        import os

        os.environ["INFOSHARE_DEBUG"] = "1"


# Short help for the command list (each command's own --help gives the full text), in the
# order a newcomer meets them: deciding, co-signing, reading back, checking, setting up.
COMMANDS: list[tuple[str, Callable[..., Any], str]] = [
    ("decide", decide_commands.decide, "Take a decision with the checklist. Start here."),
    ("pending", decide_commands.pending, "Decisions awaiting co-signature."),
    ("cosign", decide_commands.cosign, "Co-sign a decision: agree, or disagree and say why."),
    ("show", decide_commands.show, "One decision in full, with its signatures."),
    ("log", review_commands.log, "Decisions, newest first, with filters and search."),
    ("case", review_commands.case, "Everything about one case, oldest first."),
    ("review", review_commands.review, "Pick a recent decision from a list and read it."),
    ("stats", review_commands.stats, "Decisions per month by outcome and status."),
    ("correct", review_commands.correct, "Add a signed correction to a decision."),
    ("export", export_commands.export, "Export decisions to CSV, JSON, Markdown or HTML."),
    ("erase", erasure_commands.erase, "Erase a decision's content for good (two managers)."),
    ("retention", erasure_commands.retention, "How long records are kept; erase those due."),
    ("verify", integrity_commands.verify, "Prove the log has not been tampered with."),
    ("anchor", integrity_commands.anchor, "A one-line statement of the log, to keep on paper."),
    ("rebuild", integrity_commands.rebuild, "Make the lists kept to find decisions again."),
    ("backup", integrity_commands.backup, "A safe, checked copy of the log."),
    ("migrate", integrity_commands.migrate, "Copy an unencrypted log into a new, encrypted one."),
    ("init", decide_commands.init, "Set up a new log and its first manager."),
    ("rules", questions_commands.rules, "The golden rules, the grounds for sharing, the words."),
]
for name, function, short_help in COMMANDS:
    app.command(name, short_help=short_help)(function)
app.add_typer(staff_commands.app, name="staff", short_help="Add, list or deactivate staff.")
app.add_typer(questions_commands.app, name="questions", short_help="Check or draw a question file.")


def main() -> None:
    """Console-script entry point: the last guard against a traceback on screen."""

    from infoshare_cli.asking.lines import hold_keys
    from infoshare_cli.cli.app import debug_enabled

    hold_keys()  # at a terminal, keys typed before a prompt is there are neither shown nor kept
    try:
        app()
    except Exception as exc:  # a bug: say so plainly, without personal data
        if debug_enabled():
            raise
        print_error(explain_unexpected(exc))
        raise SystemExit(1) from None
