"""An encrypted export whose file cannot be written fails, wherever the write fails.

pyrage 1.4's ``encrypt_io`` writes through a Rust ``BufWriter`` that it never flushes: the
end of the last chunk (when less than 8 KiB, and the whole of a short file) reaches the
file only when that writer is dropped, and Rust ignores an error there. Left alone, a disk
that fills at that moment gave an incomplete file and no error. ``ledger/age_files.py``
remembers every failed write itself and raises it once pyrage returns, as the same error
an unencrypted export's failed write gives.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading

import pyrage
import pytest
from support.people import ALEX, PASSPHRASES

from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.age_files import AGE_MAGIC, AgeSeal, age_size, sealed

CHUNK = 64 * 1024  # age's plaintext chunk
IDENTITY = pyrage.x25519.Identity.generate()
RECIPIENT = str(IDENTITY.to_public())
# Plaintext sizes: a short file (one chunk); two full chunks and a short last one (under
# the 8 KiB of Rust's BufWriter, so held back to the finish); and a longer last one.
SHORT, LONG, LONG_END = 1_000, 2 * CHUNK + 3_000, 2 * CHUNK + 20_000


class Disk:
    """A binary file on a disk with ``room`` bytes free: a write that does not fit writes
    what fits, as a full disk does, and the next write fails with "No space left"."""

    def __init__(self, room: int | None = None):
        self.room = room
        self.data = bytearray()
        self.writes: list[int] = []  # the size of every write asked for

    def write(self, data: bytes) -> int:
        self.writes.append(len(data))
        free = len(data) if self.room is None else self.room - len(self.data)
        if free <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        taken = bytes(data[:free])
        self.data += taken
        return len(taken)

    def flush(self) -> None:
        pass


def seal_into(out, plaintext: bytes, seal: AgeSeal | None = None) -> None:
    with sealed(out, seal or AgeSeal(recipients=(RECIPIENT,))) as body:
        for start in range(0, len(plaintext), 10_000):  # as an export writes: piece by piece
            body.write(plaintext[start : start + 10_000])


def pyrage_writes(size: int) -> list[int]:
    """The writes pyrage makes into the file for ``size`` bytes of plaintext."""
    disk = Disk()
    seal_into(disk, b"p" * size)
    return disk.writes


def test_how_pyrage_writes_a_file():
    """What the cases below rest on: a short file is one write, made when pyrage finishes;
    a long one is the header, one write per full chunk, and the last partial chunk."""
    assert len(pyrage_writes(SHORT)) == 1
    for size in (LONG, LONG_END):
        header, *chunks = pyrage_writes(size)
        assert chunks == [CHUNK + 16, CHUNK + 16, size - 2 * CHUNK + 16]
        assert 22 < header < 1000


@pytest.mark.parametrize(
    ("size", "failing"),
    [(SHORT, 0), (LONG, 0), (LONG, 1), (LONG, 3), (LONG_END, 3)],
    ids=["short-file", "header", "middle-full-chunk", "short-last-chunk", "long-last-chunk"],
)
def test_a_disk_that_fills_fails_the_sealing_wherever_it_fills(size, failing):
    """``failing``: which of pyrage's writes (see above) meets the full disk. The two that
    happen as pyrage finishes (a short file; a last chunk under 8 KiB) passed silently, and
    the others were a refusal unlike an unencrypted export's."""
    writes = pyrage_writes(size)
    disk = Disk(room=sum(writes[:failing]) + 10)
    before = threading.active_count()
    with pytest.raises(OSError) as caught:
        seal_into(disk, b"p" * size)
    assert caught.value.errno == errno.ENOSPC
    assert len(disk.data) < sum(writes)
    assert threading.active_count() == before


@pytest.mark.parametrize(
    ("size", "failing"), [(SHORT, 0), (LONG, 3)], ids=["short-file", "short-last-chunk"]
)
def test_a_file_that_stops_taking_bytes_without_an_error_is_found_short(size, failing):
    """A file whose write takes nothing and says so (returns 0) raises nothing: pyrage
    gives up on the bytes at its finish all the same. The count of what reached the file
    against the age file's size finds it."""

    class Stops(Disk):
        def write(self, data: bytes) -> int:
            if self.room is not None and len(self.data) >= self.room:
                self.writes.append(len(data))
                return 0
            return super().write(data)

    writes = pyrage_writes(size)
    disk = Stops(room=sum(writes[:failing]) + 10)
    with pytest.raises(InfoshareError) as caught:
        seal_into(disk, b"p" * size)
    assert caught.value.message == (
        "The export could not be encrypted (the encrypted file came out incomplete). "
        "Nothing was exported."
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_short_export_to_a_full_device_fails():
    """/dev/full, unbuffered: every write is refused with "no space left", the one pyrage
    makes as it finishes included."""
    with (
        open("/dev/full", "wb", buffering=0) as out,
        pytest.raises(OSError) as caught,
    ):
        seal_into(out, b"q" * SHORT)
    assert caught.value.errno == errno.ENOSPC


def test_a_file_that_takes_a_few_bytes_at_a_time_is_still_written_whole():
    """A raw file may take part of a write: the rest is written, sealed either way."""

    class Trickle(Disk):
        def write(self, data: bytes) -> int:
            return super().write(data[:1000])

    plaintext = os.urandom(LONG)
    for seal in (AgeSeal(recipients=(RECIPIENT,)), AgeSeal(passphrase="a kettle for the file")):
        out = Trickle()
        seal_into(out, plaintext, seal)
        data = bytes(out.data)
        if seal.passphrase is None:
            assert pyrage.decrypt(data, [IDENTITY]) == plaintext
        else:
            assert pyrage.passphrase.decrypt(data, seal.passphrase) == plaintext


def test_a_failed_write_sealed_with_a_passphrase_is_the_write_s_own_error():
    with pytest.raises(OSError) as caught:
        seal_into(Disk(room=100), b"p" * SHORT, AgeSeal(passphrase="a kettle for the file"))
    assert caught.value.errno == errno.ENOSPC


@pytest.mark.parametrize("recipients", [1, 3])
@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, LONG_END])
def test_age_size_is_the_size_of_what_pyrage_writes(size, recipients):
    """The check made after every streamed seal, held to pyrage's own output."""
    keys = [pyrage.x25519.Identity.generate().to_public() for _ in range(recipients)]
    data = pyrage.encrypt(b"s" * size, keys)
    header = data.index(b"\n", data.index(b"\n--- ") + 1) + 1
    assert data.startswith(AGE_MAGIC)
    assert age_size(header, size) == len(data)


def test_an_error_inside_the_export_is_not_taken_for_a_failed_write():
    """The export's own failure is raised as it is, and the file is abandoned."""
    disk = Disk()
    with (
        pytest.raises(InfoshareError, match="the reader"),
        sealed(disk, AgeSeal(recipients=(RECIPIENT,))) as body,
    ):
        body.write(b"x" * LONG)
        raise InfoshareError("the reader stopped")


# --- through the command, on a real file system that fills -----------------------------------

try:
    import resource  # POSIX: a limit on the size of the files a process writes
except ImportError:
    resource = None  # type: ignore[assignment]
needs_limits = pytest.mark.skipif(resource is None, reason="file size limits are POSIX")


@pytest.fixture
def log(built_review_log):
    return built_review_log[0].path


def export_on_a_full_disk(cli, log, out, *args, input):
    """``infoshare export`` while no file may grow past 1,000 bytes (RLIMIT_FSIZE: the
    system refuses the write, "File too large", as it refuses one to a full disk).

    Another window holds the log open meanwhile, as one may: SQLite's shared-memory file
    beside the log then exists already, and the export writes nothing but its own file."""
    window = sqlite3.connect(log)
    try:
        window.execute("SELECT count(*) FROM entries").fetchone()
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000, hard))
        try:
            return cli("export", "--by", ALEX, "--out", out, *args, input=input, db=log)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    finally:
        window.close()


@needs_limits
@pytest.mark.parametrize(
    ("fmt", "how"),
    [("json", "recipient"), ("md", "recipient"), ("csv", "passphrase")],
    ids=["json-for-a-key", "short-md-for-a-key", "csv-with-a-passphrase"],
)
def test_an_encrypted_export_that_cannot_be_written_fails_as_a_plain_one_does(
    cli, log, tmp_path, fmt, how
):
    """The same plain message as the unencrypted export's failed write; no file, nothing
    left half-made, and no export logged."""
    plain = export_on_a_full_disk(
        cli, log, tmp_path / f"plain.{fmt}", "-f", fmt, input=PASSPHRASES[ALEX] + "\n"
    )
    assert plain.exit_code == 1
    assert plain.output.endswith("Error: File too large.\n")

    out = tmp_path / f"sealed.{fmt}.age"
    if how == "recipient":
        args, lines = ("--recipient", RECIPIENT), PASSPHRASES[ALEX] + "\n"
    else:
        args, lines = (
            ("--encrypt",),
            PASSPHRASES[ALEX] + "\n" + "blue kettle on the windowsill\n" * 2,
        )
    result = export_on_a_full_disk(cli, log, out, "-f", fmt, *args, input=lines)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "Error: File too large."
    assert "Traceback" not in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("log.sqlite3")] == []
    listed = cli("log", "--exports", "--json", db=log)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == []
    # With room, the same export is written and logged.
    assert (
        cli("export", "--by", ALEX, "--out", out, "-f", fmt, *args, input=lines, db=log).exit_code
        == 0
    )
    assert out.read_bytes().startswith(AGE_MAGIC)
    assert len(json.loads(cli("log", "--exports", "--json", db=log).stdout)) == 1
