"""Start-up shortcuts: where infoshare leans on another library's internals to start faster.

They are fenced so that they are easy to find, to measure and to drop. Each one saves time
on every run of a command, is held to the library by tests that fail if the library changes
under it (tests/test_performance.py), and falls back to the library's own way when the
library no longer looks as expected. benchmarks/README.md gives what each saves, measured; a
shortcut whose saving the benchmarks can no longer show goes. (Building only the command
being run went on 2026-11-30 for a few milliseconds within the noise of ``log``; it came
back the same day, with the command modules imported only when needed, because
``infoshare --help`` is measured against ``import typer`` alone, where it shows.)

- **Typer's option conversion** (:func:`use_light_params`). Typer checks every option
  value through a Pydantic ``TypeAdapter``: importing Pydantic and building the adapters
  costs more than the rest of infoshare's start-up (about 1.5x the time of ``log -n 20``).
  Our options are only text, whole numbers, yes/no and paths, so those are converted here,
  with the same checks (and typer's own path checks); anything else, or a typer whose
  parameters look different, still goes through typer's own conversion. Reaches into
  typer: ``param.type_descriptor``, ``param._runtime_param`` and
  ``typer._param_types.coerce_cli_path``.

- **Commands built when they are needed** (:class:`LazyCommands`, :class:`LazyGroupMixin`).
  Typer turns every command's signature into click parameters before it runs any one of
  them (``inspect.signature`` and type hints for 25 commands: as long as importing all of
  infoshare's command modules). The root group holds its commands in a table that has typer
  build each one the first time it is looked up, in a group of its own, the way typer
  builds it inside the root group; ``infoshare --help`` lists them from their short help
  (what the list shows anyway) without building any. Reaches into typer:
  ``typer.main.get_group`` and the ``commands`` table of click's groups.

The other shortcut is in the ledger, which may not import the CLI:
:mod:`infoshare_cli.ledger.startup_shortcuts` reads which schema migrations a log has
applied with plain SQL, from sqlite-utils' own table, instead of importing sqlite-utils
(about 1.25x the time of ``log -n 20``).
"""

import inspect
import os
import sys
from pathlib import Path
from typing import Any

import typer

# --- typer's option conversion, without Pydantic -----------------------------------------


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


# --- commands built when they are needed ---------------------------------------------------


class LazyCommands(dict):
    """name -> click command, each made by its builder the first time it is looked up.

    Keeps the order the commands were given in. ``short_help`` is what the list in the
    group's help shows for each, without building it."""

    def __init__(self, builders: dict[str, tuple[str, Any]]):
        super().__init__((name, None) for name in builders)
        self._builders = builders

    def built(self, name: str) -> Any:
        command = dict.__getitem__(self, name)
        if command is None:
            command = self._builders[name][1]()
            dict.__setitem__(self, name, command)
        return command

    def short_help(self, name: str) -> str:
        return self._builders[name][0]

    def __getitem__(self, name: str) -> Any:
        return self.built(name)

    def get(self, name: Any, default: Any = None) -> Any:
        return self.built(name) if name in self else default

    def values(self) -> Any:
        return [self.built(name) for name in self]

    def items(self) -> Any:
        return [(name, self.built(name)) for name in self]


class LazyGroupMixin:
    """For a typer group (before ``TyperGroup`` in the bases) whose class names its commands'
    builders in ``BUILDERS``: see :class:`LazyCommands`."""

    BUILDERS: dict[str, tuple[str, Any]] = {}
    commands: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        commands = LazyCommands(self.BUILDERS)
        for name, command in (kwargs.get("commands") or {}).items():
            dict.__setitem__(commands, name, command)
        self.commands = commands

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The list of commands, as click lays it out, from each one's short help."""
        commands = self.commands
        assert isinstance(commands, LazyCommands)
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name in commands)
        rows = []
        for name in commands:
            built = dict.__getitem__(commands, name)
            if built is None:
                rows.append((name, inspect.cleandoc(commands.short_help(name)).strip()))
            elif not built.hidden:
                rows.append((name, built.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def build_one(app: Any, name: str) -> Any:
    """The click command (or group) typer makes of ``name``, registered on ``app`` alone."""
    import typer.main

    return typer.main.get_group(app).commands[name]
