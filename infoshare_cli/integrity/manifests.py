"""Checking an export against its signed manifest (CSV, Markdown, HTML, and encrypted files).

The manifest (``FILE.manifest.json``, see export_statement.py and docs/export-format.md)
states the SHA-256 of the export's bytes and what the export holds, signed by the person
who ran ``export``. Checking it proves the file is byte for byte what they exported; the
file is read in blocks, so memory stays flat however large it is.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.integrity.export_signature import (
    Exporter,
    exporter_key,
    key_for,
    read_head,
    read_key_table,
    read_role_table,
)
from infoshare_cli.integrity.export_statement import (
    MANIFEST_FORMAT,
    manifest_path_for,
    signed_bytes,
)
from infoshare_cli.integrity.exports import (
    ExportReport,
    _export_anchor,
    _export_anchor_keys,
    _read_statement_details,
)
from infoshare_cli.integrity.report import _HEX64, Anchor, Problem
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.age_files import AGE_MAGIC, is_age_file

_SNIFF = 64
MANIFESTED = ("csv", "md", "html", "age")  # what a missing manifest makes unprovable
MAX_MANIFEST = 4 * 1024 * 1024  # a manifest lists a few keys: anything this big is not one


def looks_like_json(path: Path) -> bool:
    """Whether the file begins as a JSON or JSONL export would (``{``), not CSV, md, html or age."""
    try:
        with open(path, "rb") as f:
            start = f.read(_SNIFF)
    except OSError as exc:
        raise InfoshareError(f"Could not read {path}: {exc.strerror}.") from None
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def find_manifest(path: Path, given: str | os.PathLike[str] | None) -> Path | None:
    """The manifest given, or ``FILE.manifest.json`` beside the file; None if neither."""
    if given is not None:
        manifest = Path(given)
        if not manifest.is_file():
            raise InfoshareError(f"There is no manifest file at {manifest}.")
        return manifest
    beside = path.with_name(manifest_path_for(path.name))
    return beside if beside.is_file() else None


def file_sha256(path: Path) -> tuple[str, bool]:
    """(SHA-256 of the file's bytes, whether it is an age-encrypted file), read in blocks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            first = f.read(1 << 16)
            age = is_age_file(first[: len(AGE_MAGIC)])
            block = first
            while block:
                digest.update(block)
                block = f.read(1 << 16)
    except OSError as exc:
        raise InfoshareError(f"Could not read {path}: {exc.strerror}.") from None
    return digest.hexdigest(), age


def _read_manifest(manifest: Path) -> dict[str, Any]:
    not_one = InfoshareError(
        f"{manifest.name} is not an infoshare export manifest (the signed "
        "FILE.manifest.json that `infoshare export` writes beside a CSV, Markdown, HTML or "
        "encrypted export)."
    )
    try:
        if manifest.stat().st_size > MAX_MANIFEST:
            raise not_one
        data = json.loads(manifest.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise not_one from None
    except OSError as exc:
        raise InfoshareError(f"Could not read {manifest}: {exc.strerror}.") from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise not_one
    return data


def check_manifest(path: Path, manifest: Path | None, anchor: Anchor | None) -> ExportReport:
    """Check ``path`` against its signed manifest: the exporter's signature, then the bytes."""
    report = ExportReport(str(path), anchor=anchor, kind=path.suffix.lstrip(".") or "file")
    problems = report.problems
    if manifest is None:
        sha, age = file_sha256(path)
        report.sha256 = sha
        beside = manifest_path_for(path.name)
        if age:
            raise InfoshareError(
                f"{path.name} is encrypted (age format), and its signed manifest ({beside}) "
                "is not beside it, so it cannot be checked as it is. Give the manifest with "
                f"--manifest PATH, or open the file first with the age tool, for example: "
                f"age -d -o opened.json {path.name} (it asks for the file's passphrase), "
                "then check the opened file."
            )
        if path.suffix.lower().lstrip(".") not in MANIFESTED:
            raise InfoshareError(
                f"{path.name} is not an infoshare export (JSON or JSONL from "
                f"{command('export')}), and no signed manifest ({beside}) is beside it."
            )
        problems.append(
            Problem(
                "manifest",
                f"its signed manifest ({beside}) is not beside it, so nothing about this file "
                "can be proven: it may have been changed. If the manifest was moved or "
                "renamed, give it with --manifest PATH.",
            )
        )
        return report
    data = _read_manifest(manifest)
    report.manifest = str(manifest)
    statement = {k: v for k, v in data.items() if k != "signature"}
    head = read_head(data.get("head"))
    if head is not None:
        report.head = {"seq": head["seq"], "hash": head["hash"]}
    listed: list[dict] = []
    table = read_key_table(data.get("public_keys"), problems, listed)
    roles = read_role_table(listed, problems)
    report.keys = sum(len(v) for v in table.values())
    count = data.get("count")
    report.decisions = count if type(count) is int else 0
    report.exported_at = (
        data.get("exported_at") if isinstance(data.get("exported_at"), str) else None
    )
    if isinstance(data.get("export_format"), str):
        report.kind = data["export_format"][:10]
    _read_statement_details(report, data)
    encrypted = data.get("encrypted")
    report.encrypted = encrypted if isinstance(encrypted, str) else None
    exporter = _check_signature(data, statement, head, table, manifest.name, problems)
    sha, age = file_sha256(path)
    report.sha256 = sha
    signed_sha = data.get("sha256")
    content_sha = data.get("content_sha256")
    if not (isinstance(signed_sha, str) and _HEX64.fullmatch(signed_sha)):
        problems.append(Problem("manifest", f"{manifest.name} does not give the file's SHA-256."))
    elif sha == signed_sha:
        pass
    elif not age and isinstance(content_sha, str) and sha == content_sha:
        report.opened = True  # the export inside an encrypted file, as age opened it
    else:
        named = data.get("file")
        other = (
            f" The manifest is for {str(named)[:80]}."
            if isinstance(named, str) and named != path.name
            else ""
        )
        problems.append(
            Problem(
                "sha256",
                f"its contents are not what was exported: its SHA-256 does not match the one "
                f"signed in {manifest.name}. The file was changed after it was exported (even "
                "one character or byte), or the manifest belongs to another export." + other,
            )
        )
    if exporter is not None and not problems:
        report.exporter = exporter
    if anchor is not None and head is not None:
        _export_anchor(report, anchor, head, {})
        if anchor.count <= head["seq"] and not any(p.code == "anchor" for p in problems):
            # The manifest's keys must be ones the anchor knows; the exporter's is the one
            # that signs (the same check as for a JSON export's keys).
            used = {(exporter.staff_id, exporter.public_key)} if exporter is not None else set()
            _export_anchor_keys(report, anchor, listed, used, table, roles)
    return report


def _check_signature(
    data: dict[str, Any],
    statement: dict[str, Any],
    head: dict[str, Any] | None,
    table: Any,
    name: str,
    problems: list[Problem],
) -> Exporter | None:
    block = data.get("signature")
    if not (isinstance(block, dict) and isinstance(block.get("ed25519"), str)):
        problems.append(Problem("signature", f"{name} is not signed."))
        return None
    found = exporter_key(data.get("signed_by"), head, lambda a, s: key_for(table, a, s))
    if isinstance(found, Problem):
        problems.append(found)
        return None
    if not crypto.verify_signature(found.public_key, signed_bytes(statement), block["ed25519"]):
        problems.append(
            Problem(
                "signature",
                f"the signature of {found.name}, who exported it, does not match {name}: the "
                "manifest was changed after it was signed (its fingerprint, count, filters, "
                "head or list of keys), or someone else signed it.",
            )
        )
        return None
    if data.get("exported_by") not in (found.name, found.staff_id):
        problems.append(
            Problem(
                "signature",
                f"{name} names {str(data.get('exported_by'))[:40]!r} as the person who "
                f"exported it, but {found.name} signed it.",
            )
        )
        return None
    return found
