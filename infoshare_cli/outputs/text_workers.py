"""The texts of a large JSON or JSONL export, made on every core.

Opening each decision's sealed payloads and laying out its text is most of an export's own
work, and each decision's text depends on its own row alone. So for an export of more than
one batch, the rows (read here, in the export's one read snapshot) go in batches to worker
processes (ledger/workers.py), each batch with the still-wrapped keys of its records and the
exporter's data keys; each worker answers the batch's texts, encoded, made by the same code
as here (:func:`~infoshare_cli.outputs.json_export.decision_texts`). A worker reads no file:
what it writes comes only from what it was given. It keeps nothing, and stops when the
export ends.

A batch in which any content did not open (a record key missing, one wrapped under a data
key the exporter does not hold) or that failed in any way is answered "not done" and made
here, as without workers, so that what the export says about content it could not open is
found by this process, into its own opener's problems. The export is the same, byte for
byte, with workers or without (tests/test_export_workers.py).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice

from infoshare_cli.ledger import keystore, workers
from infoshare_cli.ledger.sealing import Opener, opener_in_force, reading
from infoshare_cli.outputs.json_export import decision_texts

BATCH = 500  # decisions a request: an export shorter than this is made here alone

_BOOT = workers.boot_line("infoshare_cli.outputs.text_workers")

Texts = list[bytes]


def worker_count() -> int:
    """Workers for a large export: one a core, up to four; none on a single core."""
    cores = os.cpu_count() or 1
    return min(4, cores) if cores > 1 else 0


def encoded_texts(
    rows: Iterable[tuple], names: dict[str, str], count: int | None = None
) -> Iterator[bytes]:
    """``decision_texts(rows, names)``, each encoded to UTF-8: in worker processes when
    there are more rows than one batch (``count`` workers; by default one a core).

    Must run inside ``sealing.reading``, as ``decision_texts`` must; the rows must stay
    readable while this runs (the caller's read snapshot)."""

    def here(batch: list[tuple]) -> Texts:
        return [text.encode("utf-8") for text in decision_texts(batch, names)]

    batches = _batches(rows)
    first = next(batches, None)
    if first is None:
        return
    opener = opener_in_force()
    workers_wanted = worker_count() if count is None else count
    if len(first) < BATCH or opener is None or workers_wanted < 1:
        for batch in chain([first], batches):
            yield from here(batch)
        return
    pool = workers.WorkerPool(workers_wanted, _BOOT)
    try:
        yield from _through(pool, opener, names, chain([first], batches), here)
    finally:
        pool.close()


def _through(
    pool: workers.WorkerPool,
    opener: Opener,
    names: dict[str, str],
    batches: Iterable[list[tuple]],
    here: Callable[[list[tuple]], Texts],
) -> Iterator[bytes]:
    """Batches handed to the workers in turn and their answers read back in order, at most
    one owed by each worker at a time (answers are large: see ``WorkerPool``)."""
    keys = opener.keys
    owed: deque[list[tuple]] = deque()  # batches sent, oldest first
    for batch in batches:
        if owed and pool.unanswered >= pool.size:
            yield from _answered(pool, owed.popleft(), here)
        if not pool.send_frame(_request(opener, keys, names, batch)):
            while owed:  # the batches before this one come first
                yield from _answered(pool, owed.popleft(), here)
            yield from here(batch)
            continue
        owed.append(batch)
    while owed:
        yield from _answered(pool, owed.popleft(), here)


def _request(
    opener: Opener, keys: keystore.Keys | None, names: dict[str, str], batch: list[tuple]
) -> bytes:
    try:
        wrapped = keystore.wrapped_keys_of(opener.conn, [row[0] for row in batch])
    except sqlite3.Error:  # the worker will find the keys missing: the batch is made here
        wrapped = []
    data_keys = dict(keys.data_keys) if keys is not None else None
    staff_id = keys.staff_id if keys is not None else ""
    return marshal.dumps((staff_id, data_keys, names, wrapped, batch))


def _answered(
    pool: workers.WorkerPool, batch: list[tuple], here: Callable[[list[tuple]], Texts]
) -> Texts:
    raw = pool.answer_frame()
    texts = None
    if raw is not None:
        try:
            texts = marshal.loads(raw)
        except (EOFError, ValueError, TypeError):
            texts = None
    if (
        type(texts) is not list
        or len(texts) != len(batch)
        or not all(type(t) is bytes for t in texts)
    ):
        return here(batch)
    return texts


def _batches(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    it = iter(rows)
    while batch := list(islice(it, BATCH)):
        yield batch


# --- in the worker --------------------------------------------------------------------------


def texts_of(
    staff_id: str,
    data_keys: dict[int, bytes] | None,
    names: dict[str, str],
    wrapped: list[tuple],
    rows: list[tuple],
) -> Texts | None:
    """A batch's texts, made with only what was sent: its records' wrapped keys, in a
    table of their own, and the exporter's data keys. None if any content did not open."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(keystore.RECORD_KEYS_TABLE)
        conn.executemany("INSERT INTO record_keys VALUES (?, ?, ?, ?)", wrapped)
        keys = keystore.Keys(staff_id, data_keys) if data_keys is not None else None
        with reading(conn, keys) as opener:
            texts = [text.encode("utf-8") for text in decision_texts(rows, names)]
        return None if opener.problems else texts
    finally:
        conn.close()


def _answer(body: bytes) -> bytes:
    try:
        texts = texts_of(*marshal.loads(body))
    except Exception:  # anything at all: the batch is made in the parent instead
        texts = None
    return marshal.dumps(texts)


def main() -> None:
    workers.run_child(_answer)
