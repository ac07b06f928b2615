"""Passphrases from standard input, one per line: for scripts and tests. No questionary
here, so that a command reading the log from a script does not import it.

``passphrase_reader`` and :class:`LazyAsker` load the terminal prompts
(:mod:`infoshare_cli.asking.prompts`: questionary and prompt_toolkit, 65-90 ms) only when
something is asked on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from infoshare_cli.errors import InfoshareError


def read_passphrase_line(prompt: str) -> str:
    """A passphrase from standard input when it is not a terminal (scripts and tests).

    One passphrase per line; the prompt goes to standard error so it never mixes with
    output a script reads.
    """
    print(f"{prompt}: ", end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        # Input that ran out is a mistake to fix, not someone choosing to stop.
        raise InfoshareError(
            "No passphrase was given on standard input: nothing was written.", exit_code=130
        )
    print(file=sys.stderr)
    return line.rstrip("\r\n")


def passphrase_reader(asker: Any = None) -> Callable[[str], str]:
    """Hidden prompt on a terminal, else one line per passphrase from standard input.

    Passphrases are never taken from arguments or the environment: those leak into
    shell history and process lists.
    """
    if sys.stdin.isatty():
        if asker is None:
            from rich.console import Console

            from infoshare_cli.asking.prompts import QuestionaryAsker

            asker = QuestionaryAsker(Console(stderr=True))
        return asker.password
    return read_passphrase_line


class LazyAsker:
    """A :class:`~infoshare_cli.asking.prompts.QuestionaryAsker`, built the first time
    something is asked (a command that asks nothing never imports the prompt library)."""

    def __init__(self) -> None:
        self._asker: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._asker is None:
            from infoshare_cli.asking.prompts import QuestionaryAsker

            self._asker = QuestionaryAsker()
        return getattr(self._asker, name)
