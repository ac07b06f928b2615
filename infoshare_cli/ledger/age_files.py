"""Files sealed in the standard age format (https://age-encryption.org), for exports that
leave this computer.

Whoever receives one opens it with the ordinary ``age`` tool: with the passphrase the
exporter chose (``age -d -o FILE FILE.age``, which asks for it), or with their own age key
(``age -d -i KEY-FILE -o FILE FILE.age``) when the export was sealed for their public key
(``age1...``). The encryption is pyrage's, the Python binding of the Rust age library:
nothing here is hand-made cryptography.

Sealed for age keys, the file streams: a background thread encrypts what the export
writes, through a pipe, so memory stays flat however large the export. Sealed with a
passphrase, pyrage (1.4) can only encrypt bytes held in memory, so the export is gathered
in memory (never on disk) and encrypted when it is complete.

A write to the file that fails is raised as itself (the ``OSError``, "No space left on
device"), as when an unencrypted export's write fails, and never passes silently: pyrage's
streaming call (1.4) writes through a Rust ``BufWriter`` it never flushes, so the end of
the last chunk (the whole of a short file) reaches the file only as that writer is
dropped, where Rust ignores any error. So every write pyrage makes goes through
:class:`_Delivery`, which remembers the first that failed; and the bytes that reached the
file are counted against the size of the age file pyrage must have made (:func:`age_size`).
"""

from __future__ import annotations

import errno
import io
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Protocol

from infoshare_cli.errors import InfoshareError

AGE_MAGIC = b"age-encryption.org/v1\n"  # how every age file begins
AGE_EXTENSION = ".age"
AGE_CHUNK = 64 * 1024  # the payload is sealed in chunks of this much plaintext
AGE_TAG, AGE_NONCE = 16, 16  # each chunk's authentication tag; the payload's nonce


@dataclass(frozen=True)
class AgeSeal:
    """How an export is sealed: with a passphrase, or for the holders of age public keys."""

    passphrase: str | None = None
    recipients: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.passphrase is None) == (not self.recipients):
            raise ValueError("an AgeSeal has either a passphrase or recipients")

    @property
    def kind(self) -> str:
        """What the export entry records: ``passphrase`` or ``age-keys`` (never the keys)."""
        return "passphrase" if self.passphrase is not None else "age-keys"

    def __repr__(self) -> str:  # never show a passphrase in a traceback or a log line
        return f"AgeSeal(kind={self.kind!r}, recipients={len(self.recipients)})"


def check_recipients(texts: Iterable[str]) -> tuple[str, ...]:
    """Age public keys as given on the command line, checked; InfoshareError names the bad one."""
    from pyrage import RecipientError, x25519

    keys = []
    for text in texts:
        key = text.strip()
        try:
            x25519.Recipient.from_str(key)
        except (RecipientError, ValueError):
            shown = key if len(key) <= 70 else key[:67] + "..."
            raise InfoshareError(
                f"--recipient: '{shown}' is not an age public key. An age public key starts "
                "with age1 and is about 60 letters and digits long: ask the reader for the "
                "public key line that `age-keygen` printed for them."
            ) from None
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def is_age_file(head: bytes) -> bool:
    """Whether a file that begins with ``head`` is an age file."""
    return head.startswith(AGE_MAGIC)


def age_size(header: int, plaintext: int) -> int:
    """The size of an age file with a ``header`` of that many bytes (to the end of its
    ``---`` line), sealing ``plaintext`` bytes: the payload's nonce, then the plaintext in
    64 KiB chunks (at least one, the last perhaps short or empty), each with its tag."""
    chunks = max(1, -(-plaintext // AGE_CHUNK))
    return header + AGE_NONCE + plaintext + chunks * AGE_TAG


class BinaryWriter(Protocol):
    """Where sealed bytes go: a binary file, or anything that writes bytes like one."""

    def write(self, data: bytes, /) -> int: ...


def _write_all(out: BinaryWriter, data: bytes) -> None:
    """``data`` written whole: a raw file may take part of a write and return how much."""
    done = 0
    while done < len(data):
        taken = out.write(data[done:])  # the bytes themselves, not a copy, the first time
        if not taken:  # nothing taken (None: a raw file that would block)
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        done += taken


@contextmanager
def sealed(out: BinaryWriter, seal: AgeSeal | None) -> Iterator[Any]:
    """A binary writer whose bytes reach ``out`` sealed with ``seal`` (as they are when None).

    The file is complete when the block ends without an exception (a buffered ``out``
    once the caller has flushed it). A write to ``out`` that failed is raised as itself,
    wherever pyrage made it. If the block fails, whatever reached ``out`` is unfinished and
    the caller discards it.
    """
    if seal is None:
        yield out
    elif seal.passphrase is not None:
        gathered = io.BytesIO()
        yield gathered
        from pyrage import passphrase

        try:
            _write_all(out, passphrase.encrypt(gathered.getvalue(), seal.passphrase))
        finally:
            gathered.close()
    else:
        sealer = _StreamingSealer(out, seal.recipients)
        try:
            yield sealer
        except BaseException:
            sealer.abandon()
            raise
        sealer.finish()


class _Delivery:
    """The file as pyrage writes into it: what reached it, and the first write that failed.

    After a failed write every later one fails the same way, so nothing is written past a
    gap. Only the encrypting thread writes here; the exporting thread reads the record
    after joining it.
    """

    def __init__(self, out: BinaryWriter):
        self._out = out
        self.error: BaseException | None = None
        self.size = 0  # bytes the file took
        self.header: int | None = None  # the age header's size, once all of it went
        self._start = bytearray()  # the bytes before the header's end was seen

    def write(self, data: bytes) -> int:
        if self.error is not None:
            raise self.error
        try:
            taken = self._out.write(data)
        except BaseException as exc:
            self.error = exc
            raise
        taken = taken or 0  # None: a raw file that would block took nothing
        if self.header is None:
            self._start += data[:taken]
            mac = self._start.find(b"\n--- ")  # the header ends with its MAC line
            end = self._start.find(b"\n", mac + 1) if mac >= 0 else -1
            if end >= 0:
                self.header = end + 1
                self._start = bytearray()
        self.size += taken
        return taken

    def flush(self) -> None:
        if self.error is not None:
            raise self.error
        flush = getattr(self._out, "flush", None)
        if flush is not None:
            try:
                flush()
            except BaseException as exc:
                self.error = exc
                raise


class _StreamingSealer:
    """Bytes written here are encrypted by pyrage on a background thread, through a pipe.

    pyrage's streaming call reads from a file; the export writes. A pipe joins the two,
    and the thread only touches the pipe and ``out`` (never the log's SQLite connection).
    """

    def __init__(self, out: BinaryWriter, recipients: tuple[str, ...]):
        from pyrage import x25519

        keys = [x25519.Recipient.from_str(r) for r in recipients]
        read_end, write_end = os.pipe()
        self._reader = os.fdopen(read_end, "rb", buffering=0)
        self._writer = os.fdopen(write_end, "wb", buffering=1 << 16)
        self._delivery = _Delivery(out)
        self._plaintext = 0  # bytes written here
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(self._delivery, keys), name="age-export", daemon=True
        )
        self._thread.start()

    def _run(self, out: _Delivery, keys: list) -> None:
        import pyrage

        try:
            pyrage.encrypt_io(self._reader, out, keys)
        except BaseException as exc:  # reported by finish() in the exporting thread
            self._error = exc
        finally:
            self._reader.close()  # a writer still writing now fails at once, not hangs

    def write(self, data: bytes) -> int:
        try:
            written = self._writer.write(data)
        except (BrokenPipeError, ValueError):  # the encrypting thread stopped early
            self._thread.join()
            raise self._failure() from None
        self._plaintext += written
        return written

    def finish(self) -> None:
        with suppress(BrokenPipeError):
            self._writer.close()
        self._thread.join()
        if self._error is not None or self._delivery.error is not None:
            raise self._failure()
        delivered = self._delivery
        if delivered.header is None or delivered.size != age_size(
            delivered.header, self._plaintext
        ):
            raise InfoshareError(
                "The export could not be encrypted (the encrypted file came out incomplete). "
                "Nothing was exported."
            )

    def abandon(self) -> None:
        """Stop after a failure in the export itself: the half-file is thrown away."""
        with suppress(OSError):
            self._writer.close()
        self._thread.join()

    def _failure(self) -> BaseException:
        """What stopped the encryption: a write to the file that failed is raised as itself,
        as any failed write of an export is; anything else as a plain refusal."""
        if self._delivery.error is not None:
            return self._delivery.error
        error = self._error
        detail = error.strerror if isinstance(error, OSError) and error.strerror else None
        if detail is None and error is not None:
            detail = type(error).__name__
        return InfoshareError(
            f"The export could not be encrypted ({detail or 'the encryption stopped'}). "
            "Nothing was exported."
        )
