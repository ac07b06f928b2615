"""Exporting through the command, as a person does, in the tests of the export writers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.people import ALEX, PASSPHRASES


def export_and_verify(
    cli: Any, db: Path, fmt: str, out: Path, by: str = ALEX, passphrase: str | None = None
) -> bytes:
    """`infoshare export --format FMT --out OUT` of the whole log, as ``by`` (with their
    known passphrase unless given), through ``cli`` (conftest's fixture); requires it to
    succeed and `infoshare verify --export OUT` to pass the file. The file's bytes."""
    typed = (PASSPHRASES[by] if passphrase is None else passphrase) + "\n"
    result = cli("export", "--format", fmt, "--by", by, "--out", out, input=typed, db=db)
    assert result.exit_code == 0, result.output
    checked = cli("verify", "--export", out, db=db)
    assert checked.exit_code == 0, checked.output
    return out.read_bytes()
