"""Entry hashes and Ed25519 signatures, checked in batches on a small thread pool."""

from __future__ import annotations

import binascii
import hashlib
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from json.encoder import encode_basestring

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infoshare_cli.integrity.report import _BATCH, Problem
from infoshare_cli.integrity.signature_workers import Workers

# --- hashing and signatures -----------------------------------------------------------------


def entry_hash_fast(
    seq: int, kind: str, recorded_at: str, actor: str, payload: str, prev_hash: str
) -> bytes:
    """The raw SHA-256 of :func:`infoshare_cli.ledger.entries.entry_message`, built without a dict.

    Byte for byte the same canonical JSON (keys in order, no spaces, non-ASCII kept), for
    fields of the right types; the tests hold it to ``compute_hash``.
    """
    message = "".join(
        (
            '{"actor":',
            encode_basestring(actor),
            ',"kind":',
            encode_basestring(kind),
            ',"payload":',
            encode_basestring(payload),
            ',"prev_hash":',
            encode_basestring(prev_hash),
            ',"recorded_at":',
            encode_basestring(recorded_at),
            ',"seq":',
            int.__repr__(seq),
            "}",
        )
    )
    return hashlib.sha256(message.encode("utf-8")).digest()


class _Keys:
    """Public-key objects by their base64 text, built once each (None if not a valid key)."""

    def __init__(self) -> None:
        self._cache: dict[str, Ed25519PublicKey | None] = {}

    def get(self, text: object) -> Ed25519PublicKey | None:
        if not isinstance(text, str):
            return None
        try:
            return self._cache[text]
        except KeyError:
            pass
        try:
            raw = binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
            key = Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else None
        except (ValueError, UnicodeError, binascii.Error):
            key = None
        self._cache[text] = key
        return key


def _signature_ok(key: Ed25519PublicKey | None, signature: str, digest: bytes) -> bool:
    if key is None:
        return False
    try:
        raw = binascii.a2b_base64(signature.encode("ascii"), strict_mode=True)
        if len(raw) != 64:
            return False
        key.verify(raw, digest)
    except (InvalidSignature, ValueError, UnicodeError, binascii.Error):
        return False
    return True


# (seq, kind, recorded_at, signer name, the signer's public key as registered (base64
# text, or None), signature, digest)
_SigJob = tuple[int, str, str, str, object, str, bytes]

# The threads of a pool share one table of key objects; each worker process has its own.
_KEYS = _Keys()


def _first_bad_signature(jobs: list[_SigJob]) -> _SigJob | None:
    keys = _KEYS
    for job in jobs:
        if not _signature_ok(keys.get(job[4]), job[5], job[6]):
            return job
    return None


def _first_bad_in_batch(batch: list[tuple[object, str, bytes]]) -> int:
    """In a worker process: the index of the first (key, signature, digest) that does not
    verify, or -1 when all of them do."""
    keys = _KEYS
    for i, (key, signature, digest) in enumerate(batch):
        if not _signature_ok(keys.get(key), signature, digest):
            return i
    return -1


def _signature_problem(job: _SigJob) -> Problem:
    seq, kind, recorded_at, name, key, _sig, _digest = job
    if _KEYS.get(key) is None:
        detail = (
            f"it is signed by {name}, but the key registered for them is not a valid signing "
            "key, so the signature cannot be checked."
        )
    else:
        detail = (
            f"its signature does not match {name}'s key as registered at the time — the entry "
            "was changed and re-sealed, or signed by someone else."
        )
    return Problem("signature", detail, seq, kind, recorded_at)


# A log with at least this many entries has its signatures checked by worker processes
# (when there is more than one core): below it, starting them costs more than they save.
PROCESSES_FROM = 20_000


class _Signatures:
    """Checks signatures in ordered batches, on a pool when there is more than one core.

    Batches are drained oldest first, so the first failure found is the earliest.

    The pool is of threads (the Ed25519 binding releases the GIL while it verifies), or,
    with ``processes``, of worker processes (see
    :mod:`~infoshare_cli.integrity.signature_workers` for why they are faster).
    """

    def __init__(self, threads: int | None = None, processes: bool = False):
        if threads is None:
            threads = min(4, os.cpu_count() or 1)
        self._pool: ThreadPoolExecutor | None = None
        self._workers: Workers | None = None
        if processes and threads > 1:
            self._workers = Workers(threads)
        elif threads > 1:
            self._pool = ThreadPoolExecutor(threads)
        self._max_in_flight = 2 * threads
        self._batch: list[_SigJob] = []
        self._in_flight: deque[tuple[Future[_SigJob | None] | None, list[_SigJob]]] = deque()
        self.failure: _SigJob | None = None
        self.added = 0  # signatures handed in to be checked

    def add(self, job: _SigJob) -> None:
        self.added += 1
        self._batch.append(job)
        if len(self._batch) >= _BATCH:
            self._submit()

    def _submit(self) -> None:
        batch, self._batch = self._batch, []
        if not batch or self.failure is not None:
            return
        if self._workers is not None:
            work = [(job[4] if type(job[4]) is str else None, job[5], job[6]) for job in batch]
            if not self._workers.send(work):
                # The batches handed over before this one come first: drain them (checked
                # here if their worker is gone too), so the failure named is the earliest.
                while self._in_flight and self.failure is None:
                    self._drain_one()
                if self.failure is None:
                    self.failure = _first_bad_signature(batch)
                return
            self._in_flight.append((None, batch))
        elif self._pool is not None:
            self._in_flight.append((self._pool.submit(_first_bad_signature, batch), batch))
        else:
            self.failure = _first_bad_signature(batch)
            return
        while len(self._in_flight) > self._max_in_flight and self.failure is None:
            self._drain_one()

    def _drain_one(self) -> None:
        future, batch = self._in_flight.popleft()
        if future is not None:
            self.failure = future.result()
            return
        assert self._workers is not None
        answer = self._workers.answer()
        if answer is None or not -1 <= answer < len(batch):  # no answer: check it here
            self.failure = _first_bad_signature(batch)
        else:
            self.failure = batch[answer] if answer >= 0 else None

    def finish(self) -> _SigJob | None:
        try:
            self._submit()
            while self._in_flight and self.failure is None:
                self._drain_one()
        finally:
            for future, _batch in self._in_flight:
                if future is not None:
                    future.cancel()
            self._in_flight.clear()
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            if self._workers is not None:
                self._workers.close()
        return self.failure
