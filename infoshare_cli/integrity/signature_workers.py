"""Signature checks in worker processes, for a large log.

The pass over the entries holds Python's lock for all of its own work (hashes, the chain,
the signing rules), and a thread whose signature check has finished waits for that lock
before it can start the next: on threads, the pass and the checks take turns more than they
overlap. Worker processes share no lock, so the pass and the checks run at once, on every
core.

Each worker (ledger/workers.py: a plain, isolated ``python -I`` child) reads batches of
(public key, signature, digest) and answers, for each batch, the index of the first that
does not verify, or -1. A worker that cannot be started or stops answering is not trusted
with anything: its batches are checked in this process instead. Workers print nothing: a
problem shows as the failure of that batch's check here.
"""

from __future__ import annotations

import marshal
import struct
from typing import IO

from infoshare_cli.ledger import workers

_ANSWER = struct.Struct("<i")

# The child: the parent's import path, then main() below on standard input and output.
_BOOT = workers.boot_line("infoshare_cli.integrity.signature_workers")

Work = list[tuple[str | None, str, bytes]]  # (public key as registered, signature, digest)


def _answer(body: bytes) -> bytes:
    from infoshare_cli.integrity.signatures import _first_bad_in_batch

    return _ANSWER.pack(_first_bad_in_batch(marshal.loads(body)))


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Answer batches until the parent closes the pipe."""
    workers.serve(_answer, source, sink)


def main() -> None:
    workers.run_child(_answer)


class Workers(workers.WorkerPool):
    """A few signature-checking processes, given batches in turn; answers are read back in
    order."""

    def __init__(self, count: int):
        super().__init__(count, _BOOT)

    def send(self, work: Work) -> bool:
        """Hand a batch to the next worker; False if it could not be handed over."""
        return self.send_frame(marshal.dumps(work))

    def answer(self) -> int | None:
        """The oldest batch's answer (index of its first bad signature, or -1); None if
        its worker gave none."""
        raw = self.answer_frame()
        if raw is None or len(raw) != _ANSWER.size:
            return None
        return _ANSWER.unpack(raw)[0]
