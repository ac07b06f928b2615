"""Typer plumbing shared by every command: error handling and the common options.

Each command module builds on ``new_app()``; its commands turn an ``InfoshareError`` into a
plain message and an exit code, Ctrl-C or a closed input into one line, and never show a
traceback unless ``--debug`` (or ``INFOSHARE_DEBUG=1``) asks for one.
"""

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from infoshare_cli.errors import Cancelled, InfoshareError
from infoshare_cli.hints import command

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from typer.models import CommandFunctionType

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


# --- fast option parsing ------------------------------------------------------------------
#
# Typer checks every option value through a Pydantic TypeAdapter, built on first use. Importing
# Pydantic and building the adapters costs about 130 ms on every run of every command, more
# than all of infoshare's own start-up. Our options are only text, whole numbers and paths,
# so those are converted here, with the same checks (and typer's own path checks); anything
# else (or a typer that works differently) still goes through typer's own conversion.


class _LightParam:
    """Stands in for typer's runtime conversion of one str, int or Path parameter."""

    def __init__(self, convert: Any):
        self._convert = convert

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return None
        return self._convert(value, param, ctx)


def _to_text(value: Any, param: Any, ctx: Any) -> str:
    if isinstance(value, bytes):
        return value.decode(sys.getfilesystemencoding(), "replace")
    return str(value)


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off", ""})


def _to_bool(value: Any, param: Any, ctx: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise typer.BadParameter(f"'{value}' is not yes or no.", ctx=ctx, param=param)


def _int_converter(low: Any, high: Any) -> Any:
    def convert(value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise typer.BadParameter(f"{value!r} is not a whole number.", ctx=ctx, param=param)
        try:
            number = int(value.strip()) if isinstance(value, str) else value
        except ValueError:
            raise typer.BadParameter(
                f"'{value}' is not a whole number.", ctx=ctx, param=param
            ) from None
        if low is not None and number < low:
            raise typer.BadParameter(f"{number} is less than {low}.", ctx=ctx, param=param)
        if high is not None and number > high:
            raise typer.BadParameter(f"{number} is more than {high}.", ctx=ctx, param=param)
        return number

    return convert


def _path_converter(path_type: type, info: Any, check_path: Any) -> Any:
    def convert(value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, path_type):
            value = path_type(os.fsdecode(value) if isinstance(value, bytes) else str(value))
        return check_path(value, info, path_type=path_type, param=param, ctx=ctx)

    return convert


def _light_param(param: Any) -> _LightParam | None:
    desc = getattr(param, "type_descriptor", None)
    info = getattr(desc, "parameter_info", None)
    if desc is None or info is None or param.multiple or param.nargs != 1:
        return None
    if desc.file_annotation is not None or getattr(info, "parser", None) is not None:
        return None
    if getattr(info, "click_type", None) is not None or getattr(info, "clamp", False):
        return None
    annotation = desc.annotation
    if annotation is str:
        return _LightParam(_to_text)
    if annotation is bool:
        return _LightParam(_to_bool)
    if annotation is int:
        return _LightParam(_int_converter(getattr(info, "min", None), getattr(info, "max", None)))
    if isinstance(annotation, type) and issubclass(annotation, Path):
        try:
            from typer._param_types import coerce_cli_path
        except ImportError:
            return None
        path_type = getattr(info, "path_type", None) or annotation
        if not (isinstance(path_type, type) and issubclass(path_type, Path)):
            return None
        return _LightParam(_path_converter(path_type, info, coerce_cli_path))
    return None


def use_light_params(params: list[Any]) -> None:
    """Give each plain text, number and path parameter the light conversion above."""
    for param in params:
        if getattr(param, "_runtime_param", False) is not None:
            continue  # already built, or not a typer parameter
        light = _light_param(param)
        if light is not None:
            param._runtime_param = light


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
            typer.echo(str(exc), err=True)
            raise typer.Exit(exc.exit_code) from None
        except InfoshareError as exc:
            if debug_enabled():
                raise
            print_error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (KeyboardInterrupt, EOFError):
            if debug_enabled():
                raise
            typer.echo("", err=True)
            typer.echo(CANCELLED, err=True)
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
