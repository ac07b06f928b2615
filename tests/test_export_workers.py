"""A large JSON/JSONL export's texts are made in worker processes (outputs/text_workers.py):
the same bytes as made here alone, whatever the workers do, and content that does not
open is found by this process, as without workers."""

from __future__ import annotations

import json
import sqlite3
import sys

import pytest
from support.benchmark_logs import PASSPHRASE, READER
from support.exporting import export_and_verify

from infoshare_cli.actions.staff import open_keys, unlock
from infoshare_cli.domain.staff import find_member
from infoshare_cli.ledger.sealing import reading
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.outputs import json_export, text_workers
from infoshare_cli.reading.queries import iter_export_decisions, iter_export_ids, staff_names
from infoshare_cli.reading.register import load_register


@pytest.fixture
def log(benchmark_log):
    """A log of 40 decisions as the benchmarks write them (conftest.py)."""
    return benchmark_log


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches of 7, so that a log of 40 decisions goes to the workers in six of them."""
    monkeypatch.setattr(text_workers, "BATCH", 7)


def _texts(path, count, reader=READER):
    """(the export's texts with ``count`` workers, the same made plainly here, and the
    problems each way found, by seq)."""
    with Ledger.open(path) as ledger:
        keys = open_keys(ledger, unlock(find_member(load_register(ledger), reader), PASSPHRASE))
        names = staff_names(ledger)
        made = []
        for way in ("workers", "plain"):
            with reading(ledger.conn, keys) as opener:
                if way == "workers":
                    ids = iter_export_ids(ledger)
                    texts = list(text_workers.encoded_texts(ledger, ids, names, False, count))
                else:
                    rows = iter_export_decisions(ledger)
                    texts = [t.encode("utf-8") for t in json_export.decision_texts(rows, names)]
            made.append((texts, dict(opener.problems)))
    return made


def test_the_workers_make_the_same_bytes_as_this_process(log, monkeypatch):
    made_here = []
    real = text_workers.decision_texts

    def counted(rows, names):
        made_here.append(len(rows))
        return real(rows, names)

    monkeypatch.setattr(text_workers, "decision_texts", counted)
    (by_workers, problems), (plain, plain_problems) = _texts(log, 2)
    assert made_here == []  # every batch was made by a worker
    assert len(plain) == 40
    assert by_workers == plain
    assert problems == plain_problems == {}
    # ...and the texts hold the opened content (the case references are sealed in the log)
    assert all(b'"case_ref": "C-' in text for text in plain)


def test_one_worker_and_none(log):
    plain = _texts(log, 0)[1][0]
    assert _texts(log, 1)[0][0] == plain
    assert _texts(log, 0)[0][0] == plain


def test_a_batch_whose_content_does_not_open_is_made_here(log, monkeypatch):
    """A record key missing (damage, or an erasure's deletion): the worker cannot open that
    decision; its batch is made here, which marks it unreadable and records the problem in
    this process's opener, exactly as without workers."""
    conn = sqlite3.connect(log)
    seq, record = conn.execute(
        "SELECT seq, json_extract(payload, '$.record') FROM entries WHERE kind = 'decision' "
        "ORDER BY seq LIMIT 1 OFFSET 17"
    ).fetchone()
    conn.execute("DELETE FROM record_keys WHERE record = ?", (record,))
    conn.commit()
    conn.close()
    made_here = []
    real = text_workers.decision_texts
    monkeypatch.setattr(
        text_workers,
        "decision_texts",
        lambda rows, names: made_here.append(rows) or real(rows, names),
    )
    (by_workers, problems), (plain, plain_problems) = _texts(log, 2)
    assert by_workers == plain
    # only the batch holding that decision (the 18th: the third batch of 7) was made here
    assert [[row[0] for row in rows] for rows in made_here] == [[r[0] for r in rows_of(log)[14:21]]]
    assert seq in problems and problems == plain_problems
    text = next(t for t in plain if json.loads(t)["id"] == seq)
    assert b'"case_ref": "C-' not in text


def rows_of(path):
    with Ledger.open(path) as ledger:
        return list(iter_export_decisions(ledger))


def test_the_worker_itself_answers_not_done(log):
    """What a worker runs (texts_of), here: the texts of a batch it reads itself; "not
    done" (None) when it does not see the export's entries, or cannot open some content."""
    from infoshare_cli.integrity.beside import entries_seen

    with Ledger.open(log) as ledger:
        keys = open_keys(ledger, unlock(find_member(load_register(ledger), READER), PASSPHRASE))
        names = staff_names(ledger)
        seen = list(entries_seen(ledger.conn))
        seqs = list(iter_export_ids(ledger))[:3]
        with reading(ledger.conn, keys):
            rows = iter_export_decisions(ledger)
            plain = [t.encode("utf-8") for t in json_export.decision_texts(rows, names)][:3]
    args = (keys.staff_id, keys.data_keys, names, False, seqs)
    assert text_workers.texts_of(str(log), seen, *args) == plain
    # a log that does not show the export's entries (one more written since, say)
    assert text_workers.texts_of(str(log), [seen[0] + 1, *seen[1:]], *args) is None
    # the exporter's data keys are not the ones the records are wrapped under
    other = {n: bytes(32) for n in keys.data_keys}
    assert text_workers.texts_of(str(log), seen, keys.staff_id, other, names, False, seqs) is None
    # a decision the worker's log does not hold
    assert text_workers.texts_of(str(log), seen, *args[:-1], [*seqs, 10**9]) is None


@pytest.mark.parametrize(
    "boot",
    [
        "import sys; sys.exit(0)",  # starts, answers nothing
        "raise SystemExit(3)",
        "1/0",
        # answers every request, with texts that are not the batch's
        "import sys, struct, marshal\n"
        "from infoshare_cli.ledger import workers\n"
        "workers.run_child(lambda body: marshal.dumps([b'{}']))",
        # answers with something that is not a list of texts at all
        "from infoshare_cli.ledger import workers\nworkers.run_child(lambda body: b'\\x00junk')",
    ],
)
def test_workers_that_fail_or_answer_wrongly_are_not_trusted(log, monkeypatch, boot):
    plain = _texts(log, 0)[1][0]
    prelude = "import json, sys; sys.path[:] = json.loads(sys.argv[1])\n"
    monkeypatch.setattr(text_workers, "_BOOT", prelude + boot)
    assert _texts(log, 2)[0][0] == plain


def test_workers_that_cannot_be_started(log, monkeypatch):
    plain = _texts(log, 0)[1][0]
    monkeypatch.setattr(sys, "executable", str(log.parent / "no-python"))
    assert _texts(log, 2)[0][0] == plain


def test_an_export_left_half_way_stops_its_workers(log):
    """A writer that stops part way (a failing disk, a template error) closes the stream of
    texts: the workers are stopped, not left running or waiting."""
    with Ledger.open(log) as ledger:
        keys = open_keys(ledger, unlock(find_member(load_register(ledger), READER), PASSPHRASE))
        with reading(ledger.conn, keys):
            started = []
            real = text_workers.workers.WorkerPool

            class Seen(real):
                def __init__(self, *args):
                    super().__init__(*args)
                    started.append(self)

            text_workers.workers.WorkerPool = Seen
            try:
                stream = text_workers.encoded_texts(
                    ledger, iter_export_ids(ledger), staff_names(ledger), False, 2
                )
                assert next(stream).startswith(b"{")
                stream.close()
            finally:
                text_workers.workers.WorkerPool = real
    (pool,) = started
    assert all(proc.returncode is not None for proc in pool._procs)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_an_export_made_by_workers_verifies(cli, log, tmp_path, fmt):
    """The whole command, its texts made by workers in batches of 7: the file is signed and
    `verify --export` checks it against the log."""
    out = tmp_path / f"out.{fmt}"
    export_and_verify(cli, log, fmt, out, by=READER, passphrase=PASSPHRASE)
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines() if fmt == "jsonl" else None
    count = len(lines) - 2 if lines else json.loads(text)["count"]
    assert count == 40
