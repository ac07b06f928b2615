"""Start-up shortcuts: where infoshare leans on another library's internals to start faster.

They are fenced so that they are easy to find, to measure and to drop. Each one saves time
on every run of a command, is held to the library by tests that fail if the library changes
under it (tests/test_performance.py), and falls back to the library's own way when the
library no longer looks as expected. benchmarks/README.md gives what each saves, measured; a
shortcut whose saving the benchmarks can no longer show goes, as building only the command
being run (a few milliseconds, within the noise) did.

- **Typer's option conversion** (:func:`use_light_params`). Typer checks every option
  value through a Pydantic ``TypeAdapter``: importing Pydantic and building the adapters
  costs more than the rest of infoshare's start-up (about 1.5x the time of ``log -n 20``).
  Our options are only text, whole numbers, yes/no and paths, so those are converted here,
  with the same checks (and typer's own path checks); anything else, or a typer whose
  parameters look different, still goes through typer's own conversion. Reaches into
  typer: ``param.type_descriptor``, ``param._runtime_param`` and
  ``typer._param_types.coerce_cli_path``.

The other shortcut is in the ledger, which may not import the CLI:
:mod:`infoshare_cli.ledger.startup_shortcuts` reads which schema migrations a log has
applied with plain SQL, from sqlite-utils' own table, instead of importing sqlite-utils
(about 1.25x the time of ``log -n 20``).
"""

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
