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

# --- hashing and signatures -----------------------------------------------------------------


def entry_hash_fast(
    seq: int, kind: str, recorded_at: str, actor: str, payload: str, prev_hash: str
) -> bytes:
    """The raw SHA-256 of :func:`infoshare_cli.ledger.entries.entry_message`, built without a dict.

    Byte for byte the same canonical JSON (keys in order, no spaces, non-ASCII kept), for
    fields of the right types; the tests hold it to ``compute_hash``.
    """
    message = (
        '{"actor":'
        + encode_basestring(actor)
        + ',"kind":'
        + encode_basestring(kind)
        + ',"payload":'
        + encode_basestring(payload)
        + ',"prev_hash":'
        + encode_basestring(prev_hash)
        + ',"recorded_at":'
        + encode_basestring(recorded_at)
        + ',"seq":'
        + int.__repr__(seq)
        + "}"
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


# (seq, kind, recorded_at, signer name, key, signature, digest)
_SigJob = tuple[int, str, str, str, "Ed25519PublicKey | None", str, bytes]


def _first_bad_signature(jobs: list[_SigJob]) -> _SigJob | None:
    for job in jobs:
        if not _signature_ok(job[4], job[5], job[6]):
            return job
    return None


def _signature_problem(job: _SigJob) -> Problem:
    seq, kind, recorded_at, name, key, _sig, _digest = job
    if key is None:
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


class _Signatures:
    """Checks signatures in ordered batches, on a thread pool when there is more than one core.

    Batches are drained oldest first, so the first failure found is the earliest.
    """

    def __init__(self, threads: int | None = None):
        if threads is None:
            threads = min(4, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(threads) if threads > 1 else None
        self._max_in_flight = 2 * threads
        self._batch: list[_SigJob] = []
        self._in_flight: deque[Future] = deque()
        self.failure: _SigJob | None = None

    def add(self, job: _SigJob) -> None:
        self._batch.append(job)
        if len(self._batch) >= _BATCH:
            self._submit()

    def _submit(self) -> None:
        batch, self._batch = self._batch, []
        if not batch or self.failure is not None:
            return
        if self._pool is None:
            self.failure = _first_bad_signature(batch)
            return
        self._in_flight.append(self._pool.submit(_first_bad_signature, batch))
        while len(self._in_flight) > self._max_in_flight and self.failure is None:
            self.failure = self._in_flight.popleft().result()

    def finish(self) -> _SigJob | None:
        self._submit()
        while self._in_flight and self.failure is None:
            self.failure = self._in_flight.popleft().result()
        for future in self._in_flight:
            future.cancel()
        self._in_flight.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return self.failure
