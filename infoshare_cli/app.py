"""Typer plumbing shared by every command: error handling and the common options.

Each command module builds on ``new_app()``; its commands turn an ``InfoshareError`` into a
plain message and an exit code, Ctrl-C or a closed input into one line, and never show a
traceback unless ``--debug`` (or ``INFOSHARE_DEBUG=1``) asks for one.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from infoshare_cli.errors import InfoshareError

CANCELLED = "Cancelled: nothing was written."


def debug_enabled() -> bool:
    return os.environ.get("INFOSHARE_DEBUG", "") not in ("", "0")


def print_error(message: str) -> None:
    """Errors go to standard error, in plain words, never with a traceback."""
    typer.secho("Error: ", fg="red", bold=True, err=True, nl=False)
    typer.echo(message, err=True)


def explain_unexpected(exc: BaseException) -> str:
    # Only the type: an exception's text could carry personal data typed by a user.
    return (
        f"Something went wrong inside infoshare ({type(exc).__name__}). Nothing half-done "
        "was saved. Run the command again with --debug to see the details, and report it."
    )


class GuardedCommand(TyperCommand):
    """A command that maps the tool's errors to messages and exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InfoshareError as exc:
            if debug_enabled():
                raise
            print_error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (KeyboardInterrupt, EOFError):
            if debug_enabled():
                raise
            typer.echo("", err=True)
            print_error(CANCELLED)
            raise typer.Exit(130) from None
        except sqlite3.Error as exc:
            if debug_enabled():
                raise
            print_error(
                "The log could not be read or written "
                f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]}). Nothing was changed. "
                "Run `infoshare verify` to check the log."
            )
            raise typer.Exit(1) from None
        except OSError as exc:
            if debug_enabled():
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            print_error(f"{exc.strerror or 'A file could not be used'}{where}.")
            raise typer.Exit(1) from None


class InfoshareTyper(typer.Typer):
    """A Typer whose commands are ``GuardedCommand`` unless told otherwise."""

    def command(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        kwargs.setdefault("cls", GuardedCommand)
        return super().command(*args, **kwargs)


def new_app(**kwargs: Any) -> InfoshareTyper:
    kwargs.setdefault("no_args_is_help", True)
    kwargs.setdefault("pretty_exceptions_enable", False)
    kwargs.setdefault("rich_markup_mode", "rich")
    kwargs.setdefault("context_settings", {"help_option_names": ["-h", "--help"]})
    return InfoshareTyper(**kwargs)


# --- options shared by several commands ---------------------------------------------------

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The log file to use. Default: INFOSHARE_DB if set, else infoshare's file in "
        "your user data folder.",
        show_default=False,
        dir_okay=False,
    ),
]
QuestionsOption = Annotated[
    Path | None,
    typer.Option(
        "--questions",
        help="Your setting's own question file (YAML). Default: the built-in checklist.",
        show_default=False,
        dir_okay=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead of tables for people.")
]


def resolve_db(db: Path | None) -> Path:
    from infoshare_cli.paths import default_db_path

    return db if db is not None else default_db_path()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
