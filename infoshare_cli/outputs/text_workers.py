"""The texts of a large JSON or JSONL export, made on every core.

Reading each decision's row, opening its sealed payloads and laying out its text is most of
an export's own work, and each decision's text depends on its own row alone. So the export
picks its decisions here, in its read snapshot (which decisions match, in which order), and
for an export of more than one batch hands them out by number, a batch at a time, to worker
processes (ledger/workers.py). Each worker reads the log on a read-only connection of its
own, with the exporter's data keys (sent to it over its pipe; it keeps nothing and stops
when the export ends), and answers the batch's texts, encoded, made from the same rows by
the same code as here (:func:`~infoshare_cli.outputs.json_export.decision_texts`).

A connection of its own sees the log as it stands when it starts reading: the export's
snapshot, unless someone wrote in between. A worker works only if it sees the same entries
as the export (their number, the newest and its hash; entries are only ever appended), as
the checks ``verify`` runs beside its pass do (integrity/beside.py); otherwise it answers
"not done". So does a worker for a batch in which any content did not open (a record key
missing, or wrapped under a data key the exporter does not hold), or that failed in any way:
that batch is made here, as without workers, so that what the export says about content it
could not open is found by this process, into its own opener's problems. The export is the
same, byte for byte, with workers or without (tests/test_export_workers.py).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.beside import entries_seen, reads_the_file
from infoshare_cli.ledger import keystore, workers
from infoshare_cli.ledger.sealing import opener_in_force, reading
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.outputs.json_export import decision_texts
from infoshare_cli.reading.queries import export_rows_of

BATCH = 500  # decisions a request: an export shorter than this is made here alone

_BOOT = workers.boot_line("infoshare_cli.outputs.text_workers")

Texts = list[bytes]


def worker_count() -> int:
    """Workers for a large export: one a core, up to four; none on a single core."""
    cores = os.cpu_count() or 1
    return min(4, cores) if cores > 1 else 0


def encoded_texts(
    ledger: Ledger,
    decisions: Iterable[int],
    names: dict[str, str],
    with_status: bool,
    count: int | None = None,
) -> Iterator[bytes]:
    """The export's text of each of ``decisions`` (seqs, in the export's order, from
    ``queries.iter_export_ids``), encoded to UTF-8: ``decision_texts`` of their rows
    (``queries.export_rows_of``, ``with_status`` as when filtering by status). Made in
    worker processes when there are more than one batch (``count`` workers; by default
    one a core).

    Must run inside ``sealing.reading`` and the read snapshot the decisions were picked in,
    as ``decision_texts`` must."""

    def here(batch: list[int]) -> Texts:
        return _encoded(export_rows_of(ledger, batch, with_status), names)

    batches = _batches(decisions)
    first = next(batches, None)
    if first is None:
        return
    batches = chain([first], batches)
    wanted = worker_count() if count is None else count
    # (A short export is made here without asking anything more of the log.)
    request = _requester(ledger, names, with_status) if len(first) == BATCH else None
    if request is None or wanted < 1:
        for batch in batches:
            yield from here(batch)
        return
    pool = workers.WorkerPool(wanted, _BOOT)
    try:
        yield from _through(pool, request, batches, here)
    finally:
        pool.close()


def _encoded(rows: Iterable[tuple], names: dict[str, str]) -> Texts:
    """``decision_texts`` of ``rows``, each encoded to UTF-8, as the export writes them."""
    return [text.encode("utf-8") for text in decision_texts(rows, names)]


def _requester(
    ledger: Ledger, names: dict[str, str], with_status: bool
) -> Callable[[list[int]], bytes] | None:
    """How a batch is asked of a worker; None if workers cannot do this export (the log is
    not read from its file, or there is no reading in force)."""
    opener = opener_in_force()
    path = ledger.path
    if opener is None or path is None or not reads_the_file(ledger.conn, path):
        return None
    keys = opener.keys
    setup: tuple[Any, ...] = (
        str(path),
        list(entries_seen(ledger.conn)),
        keys.staff_id if keys is not None else "",
        dict(keys.data_keys) if keys is not None else None,
        names,
        with_status,
    )
    return lambda batch: marshal.dumps((*setup, batch))


def _through(
    pool: workers.WorkerPool,
    request: Callable[[list[int]], bytes],
    batches: Iterable[list[int]],
    here: Callable[[list[int]], Texts],
) -> Iterator[bytes]:
    """Batches handed to the workers in turn and their answers read back in order, at most
    one owed by each worker at a time (answers are large: see ``WorkerPool``)."""
    owed: deque[list[int]] = deque()  # batches sent, oldest first
    for batch in batches:
        if owed and pool.unanswered >= pool.size:
            yield from _answered(pool, owed.popleft(), here)
        if not pool.send_frame(request(batch)):
            while owed:  # the batches before this one come first
                yield from _answered(pool, owed.popleft(), here)
            yield from here(batch)
            continue
        owed.append(batch)
    while owed:
        yield from _answered(pool, owed.popleft(), here)


def _answered(
    pool: workers.WorkerPool, batch: list[int], here: Callable[[list[int]], Texts]
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


def _batches(decisions: Iterable[int]) -> Iterator[list[int]]:
    it = iter(decisions)
    while batch := list(islice(it, BATCH)):
        yield batch


# --- in the worker --------------------------------------------------------------------------

# The log as this worker reads it: (path, the entries it must see) -> the open log, or None
# when it does not see them. One export a worker, so one log.
_LOGS: dict[tuple[str, tuple[Any, ...]], Ledger | None] = {}


def _log_seeing(path: str, seen: list[Any]) -> Ledger | None:
    key = (path, tuple(seen))
    if key not in _LOGS:
        ledger: Ledger | None = None
        try:
            ledger = Ledger.open(Path(path), readonly=True)
            ledger.conn.execute("BEGIN")  # one snapshot for every batch
            if list(entries_seen(ledger.conn)) != seen:
                ledger.close()
                ledger = None
        except (sqlite3.Error, InfoshareError, OSError):
            ledger = None
        _LOGS[key] = ledger
    return _LOGS[key]


def texts_of(
    path: str,
    seen: list[Any],
    staff_id: str,
    data_keys: dict[int, bytes] | None,
    names: dict[str, str],
    with_status: bool,
    seqs: list[int],
) -> Texts | None:
    """A batch's texts, read from the log at ``path`` if it sees the entries ``seen``;
    None if it does not, or if any content did not open."""
    ledger = _log_seeing(path, seen)
    if ledger is None:
        return None
    keys = keystore.Keys(staff_id, data_keys) if data_keys is not None else None
    with reading(ledger.conn, keys) as opener:
        rows = export_rows_of(ledger, seqs, with_status)
        if len(rows) != len(seqs):
            return None
        texts = _encoded(rows, names)
    return None if opener.problems else texts


def _answer(body: bytes) -> bytes:
    try:
        texts = texts_of(*marshal.loads(body))
    except Exception:  # anything at all: the batch is made in the parent instead
        texts = None
    return marshal.dumps(texts)


def main() -> None:
    workers.run_child(_answer)
