"""Output piped into a reader that stops early (`infoshare verify | head`) ends quietly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support.people import ALEX, PASSPHRASES


@pytest.mark.parametrize(
    "args", [("verify",), ("verify", "--json"), ("log", "--json", "--as", ALEX)]
)
def test_a_closed_pipe_ends_quietly_without_an_error_or_traceback(staffed_log, args):
    env = {**os.environ, "INFOSHARE_DB": str(staffed_log.path)}
    env.pop("INFOSHARE_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "infoshare_cli", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdout.close()  # the reader goes away before reading anything
    _, err = proc.communicate((PASSPHRASES[ALEX] + "\n").encode(), timeout=60)
    err = err.replace(f"Passphrase for {ALEX}: \n".encode(), b"")  # the prompt, on stderr
    assert err == b""
    assert proc.returncode == 1
