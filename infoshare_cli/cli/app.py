"""Typer plumbing shared by every command: error handling and the common options.

Each command module builds on ``new_app()``; its commands turn an ``InfoshareError`` into a
plain message and an exit code, Ctrl-C or a closed input into one line, and never show a
traceback unless ``--debug`` (or ``INFOSHARE_DEBUG=1``) asks for one.
"""

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from infoshare_cli.cli.startup_shortcuts import use_light_params
from infoshare_cli.errors import Cancelled, InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.outputs.messages import say, say_error

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from typer.models import CommandFunctionType

CANCELLED = "Cancelled: nothing was written."


def debug_enabled() -> bool:
    return os.environ.get("INFOSHARE_DEBUG", "") not in ("", "0")


def print_error(message: str) -> None:
    """Errors go to standard error, in plain words, never with a traceback."""
    say_error(message)


def explain_unexpected(exc: BaseException) -> str:
    # Only the type: an exception's text could carry personal data typed by a user.
    return (
        f"Something went wrong inside infoshare ({type(exc).__name__}). Nothing half-done "
        "was saved. Run the command again with --debug to see the details, and report it."
    )


class GuardedCommand(TyperCommand):
    """A command that maps the tool's errors to messages and exit codes."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        use_light_params(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Cancelled as exc:  # stopping on purpose is not an error
            if debug_enabled():
                raise
            say(str(exc), err=True)
            raise typer.Exit(exc.exit_code) from None
        except InfoshareError as exc:
            if debug_enabled():
                raise
            print_error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (KeyboardInterrupt, EOFError):
            if debug_enabled():
                raise
            say("", err=True)
            say(CANCELLED, err=True)
            raise typer.Exit(130) from None
        except Exception as exc:
            # sqlite3 is only imported by commands that open the log (not for --help), and
            # only they can raise its errors.
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is not None and isinstance(exc, sqlite3.Error):
                if debug_enabled():
                    raise
                print_error(
                    "The log could not be read or written "
                    f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]}). "
                    f"Nothing was changed. Run {command('verify')} to check the log."
                )
                raise typer.Exit(1) from None
            if isinstance(exc, BrokenPipeError):
                # The reader went away (`infoshare log | head`): stop quietly, as other
                # command-line tools do. Point stdout at devnull so the final flush is silent.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                raise typer.Exit(1) from None
            if isinstance(exc, OSError):
                if debug_enabled():
                    raise
                where = f" ({exc.filename})" if exc.filename else ""
                print_error(f"{exc.strerror or 'A file could not be used'}{where}.")
                raise typer.Exit(1) from None
            raise


class GuardedGroup(TyperGroup):
    """A group (``infoshare``, ``infoshare staff``) whose own options parse lightly too."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        use_light_params(self.get_params(ctx))
        return super().parse_args(ctx, args)


class InfoshareTyper(typer.Typer):
    """A Typer whose commands are ``GuardedCommand`` unless told otherwise."""

    def command(
        self, *args: Any, **kwargs: Any
    ) -> "Callable[[CommandFunctionType], CommandFunctionType]":
        kwargs.setdefault("cls", GuardedCommand)
        return super().command(*args, **kwargs)


def new_app(**kwargs: Any) -> InfoshareTyper:
    kwargs.setdefault("cls", GuardedGroup)
    kwargs.setdefault("no_args_is_help", True)
    kwargs.setdefault("pretty_exceptions_enable", False)
    # Plain help and usage errors: typer's rich formatting imports rich, markdown-it and
    # pygments (~80 ms), which would more than double the time `infoshare --help` takes.
    kwargs.setdefault("rich_markup_mode", None)
    kwargs.setdefault("context_settings", {"help_option_names": ["-h", "--help"]})
    return InfoshareTyper(**kwargs)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


CHECK_PROGRESS_FROM = 5000  # entries: smaller logs verify in a blink


def checking_progress() -> "tuple[Progress, Callable[[int, int], None]] | tuple[None, None]":
    """A rich progress bar on standard error when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from infoshare_cli.outputs.screens import console

    bar = Progress(
        "Checking the log",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    )
    task: TaskID | None = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if total < CHECK_PROGRESS_FROM:
            return
        if task is None:
            bar.start()
            task = bar.add_task("verify", total=total)
        bar.update(task, completed=done)

    return bar, update
