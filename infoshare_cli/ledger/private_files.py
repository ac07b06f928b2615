"""Files only their owner can read, created without ever replacing another file unasked.

Used for the log itself, exports, printable records and backups: each holds personal data
about children. POSIX file modes are applied only where they exist (not on Windows, where
the user's profile folder already keeps files private).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO


def create_private(path: Path) -> BinaryIO:
    """A new file, owner-only (0600 on POSIX), open for writing; FileExistsError if taken."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags) if os.name == "nt" else os.open(path, flags, 0o600)
    if os.name != "nt":
        os.chmod(path, 0o600)  # whatever the umask did
    return os.fdopen(fd, "wb")


def place(temporary: Path, final: Path, force: bool) -> None:
    """Move a finished file to its name; without ``force`` never replace another file.

    Raises FileExistsError when ``final`` exists and ``force`` is false.
    """
    if force:
        os.replace(temporary, final)
        return
    try:
        os.link(temporary, final)  # fails if final exists, atomically
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (or Windows): check, then rename
        if final.exists():
            raise FileExistsError(final) from None
        os.rename(temporary, final)  # on Windows, rename itself refuses an existing name
        return
    temporary.unlink()
