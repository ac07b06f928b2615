"""Running an export: the file written privately, then a signed ``export`` entry in the log."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from infoshare_cli.actions.private import append_sealed, new_record
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.staff import current_signer
from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.export_statement import (
    manifest_path_for,
    manifest_statement,
    sign_json_export,
    sign_manifest,
)
from infoshare_cli.ledger.age_files import AgeSeal, sealed
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.private_files import create_private, place
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.outputs.csv_export import write_csv_flat
from infoshare_cli.outputs.documents import WRITERS
from infoshare_cli.outputs.files import (
    FORMAT_VERSION,
    FORMATS,
    HashingFile,
    TextSink,
    check_destination,
    manifest_bytes,
)
from infoshare_cli.outputs.json_export import document_reviews, write_json, write_jsonl
from infoshare_cli.outputs.text_workers import encoded_texts
from infoshare_cli.reading.erasures import erased_decisions
from infoshare_cli.reading.filters import Filters
from infoshare_cli.reading.queries import (
    count_decisions,
    iter_export_decisions,
    iter_export_ids,
    iter_flat_decisions,
    staff_names,
)
from infoshare_cli.reading.question_sets import QuestionSets
from infoshare_cli.reading.register import load_register, setting_name
from infoshare_cli.reading.trust import KeyRing

# --- the export -------------------------------------------------------------------------


@dataclass
class ExportResult:
    path: Path
    count: int
    sha256: str
    entry: Entry
    erased_left_out: int = 0  # erased decisions matched but not exported: no content left
    manifest: Path | None = None  # the signed manifest beside it (CSV, md, html, encrypted)


SIGNED_INSIDE = ("json", "jsonl")  # formats that carry the exporter's signature themselves


def manifest_path(path: Path) -> Path:
    """Where the signed manifest of an export goes: beside it, ``FILE.manifest.json``."""
    return path.with_name(manifest_path_for(path.name))


def needs_manifest(fmt: str, encrypted: bool) -> bool:
    return encrypted or fmt not in SIGNED_INSIDE


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def run_export(
    ledger: Ledger,
    signer: Signer,
    qset: QuestionSet,
    *,
    fmt: str,
    filters: Filters,
    path: Path,
    force: bool = False,
    excel: bool = False,
    limit: int = 0,
    on_row: Callable[[], None] | None = None,
    template: Any = None,
    unverified: str | None = None,
    seal: AgeSeal | None = None,
    human: bool = False,
    verified_head: tuple[int, str] | None = None,
    before_logging: Callable[[], None] | None = None,
) -> ExportResult:
    """Write the export file, then log it as a signed ``export`` entry.

    ``unverified``: the warning an export from a log that fails ``verify`` carries (only
    when the person exporting asked for it with --allow-unverified): at the top of every
    format, and noted in the logged entry.

    The file is written under a temporary name and moved into place only once the export
    entry is in the log, so there is never a finished export the log does not know about.
    The decisions are read in one read transaction: a consistent snapshot, even while
    others append. ``template`` is a setting's own page template for md or html (a
    :class:`~infoshare_cli.outputs.templating.Printable`); the built-in one if None.
    ``seal`` encrypts the file in the age format (see ledger/age_files.py); the SHA-256
    logged is always that of the file as written, encrypted or not.

    The exporter signs the whole export (integrity/export_statement.py): JSON and JSONL
    carry the signature at their end; every other format, and every encrypted file, gets
    a signed manifest beside it (``FILE.manifest.json``), written privately and moved into
    place with the file once the export is logged.

    ``verified_head`` (seq, hash): the head of the log as the whole of ``verify`` passed it,
    in the read transaction already open on the ledger. The export then reads in that same
    snapshot, and the entries up to that head are not checked again one by one. It counts
    only if the transaction is still the one ``verify`` ran in (open when this is called)
    and the head is the same; otherwise every entry shown is checked as before.

    ``before_logging`` runs once the file is written, still in the read snapshot, before
    anything is logged or put in place: a check of the log that ran beside the export gives
    its verdict there, and raises if the log fails (the file is then removed).
    """
    if fmt not in FORMATS:
        raise InfoshareError(f"Unknown format '{fmt}'. Use one of: {', '.join(FORMATS)}.")
    if excel and fmt != "csv":
        raise InfoshareError("--excel goes with --format csv.")
    check_destination(path, force)
    manifest = manifest_path(path) if needs_manifest(fmt, seal is not None) else None
    if manifest is not None:
        check_destination(manifest, force)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    manifest_temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.manifest.partial")
    conn = ledger.conn
    try:
        with _export_file(temp, seal) as (sink, on_disk, content):
            if excel:
                sink.write("\ufeff")
            same_snapshot = conn.in_transaction  # the caller's, in which verify ran
            if not same_snapshot:
                conn.execute("BEGIN")  # a read snapshot: the head and the rows agree
            try:
                head = ledger.head()
                keyring = KeyRing(ledger, head.seq if head else 0)
                if (
                    same_snapshot
                    and verified_head is not None
                    and head is not None
                    and (head.seq, head.hash) == verified_head
                ):
                    keyring.verified_upto = head.seq
                names = staff_names(ledger)
                # Erased decisions have no content left to export (and no key to check
                # it with): they are left out, and the command says how many.
                erased = _LeftOut(set(erased_decisions(ledger)))
                header = {
                    "format": FORMAT_VERSION,
                    "setting": setting_name(ledger),
                    "exported_at": _now(),
                    "exported_by": signer.member.name,
                    "filters": filters.as_dict(),
                    "head": {"seq": head.seq, "hash": head.hash} if head else None,
                    "public_keys": keyring.keys,
                }
                if unverified is not None:
                    header["warning"] = unverified

                def sign_whole(n: int, decisions_sha256: str) -> dict:
                    return sign_json_export(
                        header, signer.staff_id, n, decisions_sha256, signer.sign
                    )

                if fmt == "csv":  # flat rows: the CSV needs no review dicts (see above)
                    if unverified is not None:
                        sink.write(f'"WARNING: {unverified.replace(chr(34), chr(39))}"\r\n')
                    rows = erased.skip(iter_flat_decisions(ledger, filters, limit=limit))
                    count = write_csv_flat(sink, rows, qset, names, on_row, human=human)
                elif fmt in SIGNED_INSIDE:  # flat rows too, each decision's text built directly
                    ids = iter_export_ids(ledger, filters, limit=limit)
                    kept = erased.skip(ids, seq_of=lambda seq: seq)
                    with_status = filters.status is not None
                    texts = _counted(encoded_texts(ledger, kept, names, with_status), on_row)
                    write = write_json if fmt == "json" else write_jsonl
                    count = write(sink, texts, header, sign_whole)
                else:
                    # Flat rows too, as the JSON exports read them (outputs/json_export.py).
                    rows = erased.skip(iter_export_decisions(ledger, filters, limit=limit))
                    reviews = _counted(document_reviews(rows, names), on_row)
                    count = WRITERS[fmt](
                        sink,
                        reviews,
                        header=header,
                        qset=qset,
                        keyring=keyring,
                        template=template,
                        sets=QuestionSets(ledger, qset),
                        sign_whole=sign_whole,
                    )
                if before_logging is not None:
                    before_logging()
            finally:
                conn.execute("COMMIT")
        digest = on_disk.sha256.hexdigest()
        if manifest is not None:
            statement = manifest_statement(
                header,
                signed_by=signer.staff_id,
                export_format=fmt,
                file=path.name,
                sha256=digest,
                size=on_disk.size,
                content_sha256=content.sha256.hexdigest() if seal is not None else None,
                encrypted=seal.kind if seal else None,
                count=count,
                limit=limit,
            )
            _write_new(manifest_temp, manifest_bytes(sign_manifest(statement, signer.sign)))
        payload = {
            "format": fmt,
            "filters": filters.as_dict(),
            "limit": limit,
            "count": count,
            "sha256": digest,
            "encrypted": seal.kind if seal else None,
            "file": path.name,
            "head": header["head"],
            "excel": excel,
        }
        if unverified is not None:
            payload["unverified"] = True
        with ledger.batch():
            # A large export takes a while: if another window deactivated the exporter or
            # changed their passphrase meanwhile, the entry would break verify's rules.
            current_signer(load_register(ledger), signer)
            entry = append_sealed(ledger, "export", signer, payload, new_record(ledger, signer))
        for written, final in ((temp, path), (manifest_temp, manifest)):
            if final is None:
                continue
            try:
                place(written, final, force)
            except FileExistsError:
                raise InfoshareError(
                    f"{final} appeared while the export was being written, and was not "
                    f"overwritten. The export is logged as entry #{entry.seq}; run it again "
                    "with another --out name."
                ) from None
    finally:
        for written in (temp, manifest_temp):
            with contextlib.suppress(FileNotFoundError):
                written.unlink()
    return ExportResult(path, count, digest, entry, erased.count, manifest)


@contextlib.contextmanager
def _export_file(
    temp: Path, seal: AgeSeal | None
) -> Iterator[tuple[TextSink, HashingFile, HashingFile]]:
    """The new private file as the writers' text sink, sealed when asked; hashed as written
    (``on_disk``) and, before sealing, as its reader will open it (``content``); flushed to
    the disk when the block ends."""
    with create_private(temp) as raw:
        on_disk = HashingFile(raw)
        with sealed(on_disk, seal) as body:
            # Unsealed, the content is the file itself: hashed once.
            content = HashingFile(body) if seal is not None else on_disk
            yield TextSink(content), on_disk, content
        raw.flush()
        os.fsync(raw.fileno())


def _write_new(temp: Path, data: bytes) -> None:
    with create_private(temp) as raw:
        raw.write(data)
        raw.flush()
        os.fsync(raw.fileno())


class _LeftOut:
    """Skips the erased decisions of a stream, counting them."""

    def __init__(self, erased: set[int]):
        self.erased = erased
        self.count = 0

    def skip(
        self, items: Iterator[Any], seq_of: Callable[[Any], Any] = itemgetter(0)
    ) -> Iterator[Any]:
        """``items`` but the erased decisions; ``seq_of(item)`` is an item's decision (a
        row's first column, by default)."""
        for item in items:
            if self.erased and seq_of(item) in self.erased:
                self.count += 1
                continue
            yield item


def _counted(items: Iterator[Any], on_row: Callable[[], None] | None) -> Iterator[Any]:
    for item in items:
        yield item
        if on_row is not None:
            on_row()


def total_for_progress(ledger: Ledger, filters: Filters, limit: int) -> int:
    total = count_decisions(ledger, filters)
    return min(total, limit) if limit else total


def write_private_file(path: Path, text: str, force: bool = False) -> None:
    """Write a small file (a printable record) owner-only, never over another unasked."""
    check_destination(path, force)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with create_private(temp) as raw:
            raw.write(text.encode("utf-8"))
        place(temp, path, force)
    except FileExistsError:
        raise InfoshareError(f"{path} already exists and was not overwritten.") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
