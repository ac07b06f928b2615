"""Signature checks in worker processes, for a large log.

The pass over the entries holds Python's lock for all of its own work (hashes, the chain,
the signing rules), and a thread whose signature check has finished waits for that lock
before it can start the next: on threads, the pass and the checks take turns more than they
overlap. Worker processes share no lock, so the pass and the checks run at once, on every
core.

Each worker is a plain ``python -I`` child (not ``multiprocessing``, which would run the
program's own main module again in every child; isolated, so that no module in the working
folder runs in it) that reads batches of (public key,
signature, digest) on its standard input and answers, for each batch, the index of the
first that does not verify, or -1. A worker that cannot be started or stops answering is
not trusted with anything: its batches are checked in this process instead. Workers print
nothing: a problem shows as the failure of that batch's check here.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import struct
import subprocess
import sys
from collections import deque
from typing import IO

_LENGTH = struct.Struct("<I")
_ANSWER = struct.Struct("<i")

# The child: the parent's import path, then serve() on standard input and output.
_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from infoshare_cli.integrity.signature_workers import main; main()"
)

Work = list[tuple[str | None, str, bytes]]  # (public key as registered, signature, digest)


def _read(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Answer batches until the parent closes the pipe."""
    from infoshare_cli.integrity.signatures import _first_bad_in_batch

    while True:
        head = _read(source, _LENGTH.size)
        if head is None:
            return
        body = _read(source, _LENGTH.unpack(head)[0])
        if body is None:
            return
        sink.write(_ANSWER.pack(_first_bad_in_batch(marshal.loads(body))))
        sink.flush()


def main() -> None:
    # Ctrl-C is the command's to report, and anything else shows in the parent as a batch
    # not answered (which it then checks itself).
    with contextlib.suppress(KeyboardInterrupt, OSError, ValueError, EOFError, TypeError):
        serve(sys.stdin.buffer, sys.stdout.buffer)


class Workers:
    """A few worker processes, given batches in turn; answers are read back in order."""

    def __init__(self, count: int):
        self._procs: list[subprocess.Popen[bytes]] = []
        self._turn = 0
        self._waiting: deque[int] = deque()  # which worker each unanswered batch went to
        self.broken = False
        try:
            for _ in range(count):
                self._procs.append(
                    subprocess.Popen(
                        # -I: isolated, so that nothing in the working folder (a json.py
                        # left in a shared folder, say) or in PYTHON* settings runs
                        # before the import path is set: a worker is trusted with
                        # answering whether signatures hold.
                        [sys.executable, "-I", "-c", _BOOT, json.dumps(sys.path)],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                    )
                )
        except (OSError, ValueError, TypeError):  # no python to start (sys.executable empty)
            self.broken = True

    def send(self, work: Work) -> bool:
        """Hand a batch to the next worker; False if it could not be handed over."""
        if self.broken:
            return False
        index = self._turn
        self._turn = (self._turn + 1) % len(self._procs)
        body = marshal.dumps(work)
        stdin = self._procs[index].stdin
        try:
            assert stdin is not None
            stdin.write(_LENGTH.pack(len(body)) + body)
            stdin.flush()
        except (OSError, ValueError):
            self.broken = True
            return False
        self._waiting.append(index)
        return True

    def answer(self) -> int | None:
        """The oldest batch's answer (index of its first bad signature, or -1); None if
        its worker gave none."""
        index = self._waiting.popleft()
        if self.broken:
            return None
        stdout = self._procs[index].stdout
        try:
            assert stdout is not None
            raw = _read(stdout, _ANSWER.size)
        except (OSError, ValueError):
            raw = None
        if raw is None:
            self.broken = True
            return None
        return _ANSWER.unpack(raw)[0]

    def close(self) -> None:
        for proc in self._procs:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
            except OSError:
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
