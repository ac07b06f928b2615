"""The one way a plain message reaches the screen: wrapped at words to the terminal.

rich wraps what it prints (tables, panels, the checklist's help), but a message printed as
plain text was cut wherever the terminal ran out ("millions of g / uesses" at 60 columns).
Every message outside rich goes through :func:`say` (or :func:`fit` first), so it breaks
between words at any width from 60 to 200 columns:

- each line of the message is wrapped on its own; a line's leading spaces (and a "- " or
  "• " bullet) are kept for the lines it wraps onto;
- a command in backticks, a path or a URL is never split (a line may then run long, which
  the terminal folds, but the command can still be copied whole);
- a command in backticks (`infoshare verify`) is written the way this person runs
  infoshare (`.venv/bin/infoshare verify` when it is not on the PATH; see hints.py);
- the width is the terminal's (``COLUMNS`` when set);
- only a terminal gets wrapped lines: output to a file or another program keeps each
  message on one line, for whatever reads it to wrap as it needs.

Machine output (JSON, the anchor line alone on standard output, a decision written to a
file) is printed as it is, never through here.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap

import typer

from infoshare_cli.hints import filled_in

_NO_BREAK = "\u00a0"  # textwrap breaks only at ASCII whitespace
_BACKTICKED = re.compile(r"`[^`\n]*`")
_LEAD = re.compile(r"^(\s*(?:[-•*] |\d+[.)] )?)")


def width() -> int:
    """The terminal's width (``COLUMNS`` when set, 80 when not a terminal), at least 40."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def _wrap_line(line: str, room: int) -> str:
    if len(line) <= room:
        return line
    lead = _LEAD.match(line).group(1)  # type: ignore[union-attr]
    # A command in backticks stays on one line: its spaces do not count as places to break.
    kept = _BACKTICKED.sub(lambda m: m.group().replace(" ", _NO_BREAK), line[len(lead) :])
    lines = textwrap.wrap(
        kept,
        width=room,
        initial_indent=lead,
        subsequent_indent=" " * len(lead),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines).replace(_NO_BREAK, " ") if lines else line


def fit(text: str, room: int | None = None) -> str:
    """``text`` wrapped at words to ``room`` columns (the terminal's width by default).

    Non-breaking spaces the text itself holds are kept as they are.
    """
    room = room or width()
    protected = text.replace(_NO_BREAK, "\x00")
    return "\n".join(_wrap_line(line, room) for line in protected.split("\n")).replace(
        "\x00", _NO_BREAK
    )


def say(
    text: str = "",
    *,
    err: bool = False,
    fg: str | None = None,
    bold: bool | None = None,
    dim: bool | None = None,
    nl: bool = True,
) -> None:
    """Print a message for people, wrapped at words on a terminal (colours as
    ``typer.secho``: dropped when the output is not a terminal)."""
    text = filled_in(text)
    shown = fit(text) if _is_terminal(err) else text
    typer.secho(shown, err=err, fg=fg, bold=bold, dim=dim, nl=nl)


def say_error(message: str) -> None:
    """ "Error: " in red, then the message, wrapped as one paragraph, to standard error."""
    text = "Error: " + filled_in(message)
    wrapped = fit(text) if _is_terminal(True) else text
    typer.secho(wrapped[:6], fg="red", bold=True, err=True, nl=False)
    typer.echo(wrapped[6:], err=True)


def _is_terminal(err: bool) -> bool:
    stream = sys.stderr if err else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
