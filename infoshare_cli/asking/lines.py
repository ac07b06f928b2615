"""Passphrases from standard input, one per line: for scripts and tests. No questionary
here, so that a command reading the log from a script does not import it."""

from __future__ import annotations

import sys

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
