"""The `infoshare` command line: a thin layer that parses options and calls the core."""

from typing import Annotated

import typer

from infoshare_cli import __version__
from infoshare_cli.app import explain_unexpected, new_app, print_error
from infoshare_cli.commands import decide as decide_commands
from infoshare_cli.commands import export as export_commands
from infoshare_cli.commands import integrity as integrity_commands
from infoshare_cli.commands import questions as questions_commands
from infoshare_cli.commands import review as review_commands
from infoshare_cli.commands import staff as staff_commands

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


app.command("decide")(decide_commands.decide)
app.command("init")(decide_commands.init)
app.command("pending")(decide_commands.pending)
app.command("cosign")(decide_commands.cosign)
app.command("show")(decide_commands.show)
app.command("log")(review_commands.log)
app.command("case")(review_commands.case)
app.command("stats")(review_commands.stats)
app.command("correct")(review_commands.correct)
app.command("review")(review_commands.review)
app.command("export")(export_commands.export)
app.add_typer(staff_commands.app, name="staff")
app.command("rules")(questions_commands.rules)
app.add_typer(questions_commands.app, name="questions")
app.command("verify")(integrity_commands.verify)
app.command("anchor")(integrity_commands.anchor)
app.command("backup")(integrity_commands.backup)


def main() -> None:
    """Console-script entry point: the last guard against a traceback on screen."""
    from infoshare_cli.app import debug_enabled

    try:
        app()
    except Exception as exc:  # a bug: say so plainly, without personal data
        if debug_enabled():
            raise
        print_error(explain_unexpected(exc))
        raise SystemExit(1) from None
