"""The `infoshare` command line: a thin layer that parses options and calls the core."""

from importlib import import_module
from typing import Annotated, Any

import typer

from infoshare_cli import __version__
from infoshare_cli.cli.app import GuardedGroup, explain_unexpected, new_app, print_error
from infoshare_cli.cli.startup_shortcuts import LazyGroupMixin, build_one

HELP = """Record decisions to share information about a child, co-signed by a second manager.

New here? Run `infoshare decide`: the first time, it sets up the log and registers you as the
first manager, then walks you through the checklist. `infoshare rules` shows the seven golden
rules for information sharing.
"""


class _Root(LazyGroupMixin, GuardedGroup):
    """``infoshare``: its commands are built by typer when they are run (see
    cli/startup_shortcuts.py); BUILDERS is filled below."""


app = new_app(help=HELP, add_completion=False, cls=_Root)


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
# Each is (name, module in cli/commands, function or typer app there, short help); a
# command's module is imported only when that command is run or its own help shown.
COMMANDS: list[tuple[str, str, str, str]] = [
    ("decide", "decide", "decide", "Take a decision with the checklist. Start here."),
    ("pending", "decide", "pending", "Decisions awaiting co-signature."),
    ("cosign", "decide", "cosign", "Co-sign a decision: agree, or disagree and say why."),
    ("show", "decide", "show", "One decision in full, with its signatures."),
    ("log", "review", "log", "Decisions, newest first, with filters and search."),
    ("case", "review", "case", "Everything about one case, oldest first."),
    ("review", "review", "review", "Pick a recent decision from a list and read it."),
    ("stats", "review", "stats", "Decisions per month by outcome and status."),
    ("correct", "review", "correct", "Add a signed correction to a decision."),
    ("export", "export", "export", "Export decisions to CSV, JSON, Markdown or HTML."),
    ("erase", "erasure", "erase", "Erase a decision's content for good (two managers)."),
    ("retention", "erasure", "retention", "How long records are kept; erase those due."),
    ("verify", "integrity", "verify", "Prove the log has not been tampered with."),
    ("anchor", "integrity", "anchor", "A one-line statement of the log, to keep on paper."),
    ("rebuild", "integrity", "rebuild", "Make the lists kept to find decisions again."),
    ("backup", "integrity", "backup", "A safe, checked copy of the log."),
    ("migrate", "integrity", "migrate", "Copy an unencrypted log into a new, encrypted one."),
    ("init", "decide", "init", "Set up a new log and its first manager."),
    ("rules", "questions", "rules", "The golden rules, the grounds for sharing, the words."),
]
GROUPS: list[tuple[str, str, str, str]] = [
    ("staff", "staff", "app", "Add, list or deactivate staff."),
    ("questions", "questions", "app", "Check or draw a question file."),
]


def _load(module: str, name: str) -> Any:
    return getattr(import_module(f"infoshare_cli.cli.commands.{module}"), name)


def _command(name: str, module: str, function: str, short_help: str) -> Any:
    one = new_app(add_completion=False)
    one.callback()(_no_options)
    one.command(name, short_help=short_help)(_load(module, function))
    return build_one(one, name)


def _group(name: str, module: str, sub: str, short_help: str) -> Any:
    one = new_app(add_completion=False)
    one.callback()(_no_options)
    one.add_typer(_load(module, sub), name=name, short_help=short_help)
    return build_one(one, name)


def _no_options() -> None:
    """Only makes the one-command app a group, as the root is."""


_Root.BUILDERS = {
    **{
        name: (short_help, lambda n=name, m=module, f=function, h=short_help: _command(n, m, f, h))
        for name, module, function, short_help in COMMANDS
    },
    **{
        name: (short_help, lambda n=name, m=module, g=sub, h=short_help: _group(n, m, g, h))
        for name, module, sub, short_help in GROUPS
    },
}


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
