"""Passphrases from standard input, one per line: for scripts and tests. No questionary
here, so that a command reading the log from a script does not import it.

``passphrase_reader`` and :class:`LazyAsker` load the terminal prompts
(:mod:`infoshare_cli.asking.prompts`: questionary and prompt_toolkit, 65-90 ms) only when
something is asked on a terminal."""

from __future__ import annotations

import contextlib
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


# --- keys typed ahead of a prompt -----------------------------------------------------------
#
# Between prompts the terminal is in its ordinary mode: it shows every key at once, and keeps
# the keys for whatever reads next. A manager who typed their passphrase before its prompt
# appeared (infoshare was still starting, or checking the log), or again while the first was
# checked (Argon2id takes a second or two), saw it on the screen in the clear; and keys typed
# then answered the next question ("Add another manager as well?" took the "Y" of a
# passphrase). So while infoshare runs at a terminal, keys are shown only while a prompt is
# there (:func:`hold_keys`): keys typed at any other time are not shown, and they are dropped
# before the next prompt (:func:`drop_typed_ahead`) and when infoshare ends, never kept for
# a question nobody saw, nor for the shell. POSIX only (termios); on Windows the keys typed
# ahead are dropped (msvcrt), and the console shows them as it always has.

_held: list[Any] = []  # the terminal's own settings while keys are held


def _terminal_fd() -> int | None:
    try:
        return sys.stdin.fileno() if sys.stdin.isatty() else None
    except (AttributeError, ValueError, OSError):
        return None


def hold_keys() -> None:
    """Stop the terminal showing keys, until a prompt shows them or infoshare ends.

    Only when both input and output are this terminal: with output to a pager
    (``infoshare log | less``) another program is using the terminal's settings too.
    """
    fd = _terminal_fd()
    if fd is None or sys.platform == "win32" or _held:
        return
    try:
        if not sys.stdout.isatty():
            return
    except (AttributeError, ValueError):
        return
    import atexit
    import termios

    try:
        saved = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~(termios.ECHO | termios.ICANON)  # lflags: no echo, no line editing
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except termios.error:
        return
    _held.append(saved)
    atexit.register(_at_exit)


def _at_exit() -> None:
    drop_typed_ahead()  # a passphrase typed for a prompt that never came is not a command
    if not _held:
        return
    saved = _held.pop()
    fd = _terminal_fd()
    if fd is None:
        return
    import termios

    with contextlib.suppress(termios.error):
        termios.tcsetattr(fd, termios.TCSANOW, saved)


def drop_typed_ahead() -> bool:
    """Forget keys typed before a prompt appeared, so they never answer a question nobody
    saw. False when the input is not a terminal (nothing to do)."""
    fd = _terminal_fd()
    if fd is None:
        return False
    if sys.platform == "win32":
        import msvcrt

        while msvcrt.kbhit():
            msvcrt.getwch()
        return True
    import termios

    with contextlib.suppress(termios.error):
        termios.tcflush(fd, termios.TCIFLUSH)
    return True
