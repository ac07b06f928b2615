"""How this person runs infoshare, so every hint on screen is a command that works for them.

The README's install leaves ``infoshare`` inside ``.venv/bin`` (``.venv\\Scripts`` on
Windows), which is often not on PATH: a hint saying `infoshare cosign 7` would then be
answered "command not found". ``command("cosign 7")`` gives the command as it was typed
when that is what works: `infoshare cosign 7` when ``infoshare`` on PATH is this very
script, `.venv/bin/infoshare cosign 7` when it was run by its path, and
`python -m infoshare_cli cosign 7` when it was run that way.

Like ``errors.py`` this sits below every layer: it knows nothing but ``sys`` and the PATH.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

NAME = "infoshare"


def _same_file(a: str | None, b: str) -> bool:
    if not a:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _quoted(word: str) -> str:
    """A path with spaces (C:\\Users\\Jo Smith\\...) quoted so it can be pasted as it is."""
    if not any(c.isspace() for c in word) and '"' not in word and "'" not in word:
        return word
    if sys.platform == "win32":
        return f'"{word}"'
    import shlex

    return shlex.quote(word)


def program_for(argv0: str, executable: str, which=None) -> str:
    """The words to type for infoshare, given how this run was started."""
    if which is None:
        import shutil

        which = shutil.which
    script = Path(argv0)
    if script.name == "__main__.py" and script.parent.name == "infoshare_cli":
        python = Path(executable)
        found = which(python.name)
        typed = python.name if _same_file(found, executable) else str(python)
        return f"{_quoted(typed)} -m infoshare_cli"
    stem = script.name.lower().removesuffix(".exe").removesuffix("-script.py")
    if stem != NAME:
        return NAME  # run from something else (a test runner): the documented name
    if _same_file(which(NAME), argv0):
        return NAME
    if script.parent == Path("."):  # "infoshare" itself, found on PATH by the shell
        return NAME
    return _quoted(argv0)


@functools.cache
def program() -> str:
    """The words to type for infoshare on this computer, worked out once per run."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else NAME
    return program_for(argv0, sys.executable or "python")


def command(args: str = "") -> str:
    """A command to show on screen, in backticks: ``command("cosign 7")``."""
    words = f"{program()} {args}".strip()
    return f"`{words}`"


def filled_in(text: str, number: int | None = None) -> str:
    """Text from a question file with its `infoshare ...` commands as this person runs
    them, and the placeholder NUMBER in a command replaced by ``number`` (the decision just
    recorded). ID is replaced too: question sets before 2018.4 (and a setting's own file
    copied from one) wrote `infoshare decide --revisits ID`."""
    import re

    def one(match: re.Match) -> str:
        args = match.group(1) or ""
        if number is not None:
            args = re.sub(r"\b(?:NUMBER|ID)\b", str(number), args)
        return command(args.strip())

    return re.sub(r"`infoshare(?: ([^`]*))?`", one, text)


def commands_apart(text: str) -> str:
    """``text`` with each command in backticks on a line of its own, indented, so a screen
    that wraps the text (a box at 60 columns) never splits a command that is copied whole:
    "…take the decision again with `infoshare decide --revisits 4`, so the two records are
    linked." keeps the command on one line. Punctuation right after a command is dropped."""
    import re

    apart = re.sub(r"\s*(`[^`\n]+`)[.,;:]?\s*", lambda m: f"\n  {m.group(1)}\n", text)
    return apart.strip("\n")
