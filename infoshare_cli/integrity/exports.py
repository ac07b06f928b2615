"""Checking an export file (JSON or JSONL) against its own signatures and an anchor."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infoshare_cli.domain.privacy import SEALED
from infoshare_cli.domain.signing import in_force, may_countersign
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.integrity.anchor_keys import anchor_knows_keys
from infoshare_cli.integrity.anchor_note import Signatory, check_signatures
from infoshare_cli.integrity.anchors import check_anchor
from infoshare_cli.integrity.chain import _load_object
from infoshare_cli.integrity.export_file import load_export
from infoshare_cli.integrity.export_signature import (
    Exporter,
    KeyTable,
    RoleTable,
    check_json_signature,
    key_for,
    read_head,
    read_key_table,
    read_role_table,
)
from infoshare_cli.integrity.report import EXPORT_FORMAT, Anchor, Problem
from infoshare_cli.integrity.signatures import _Keys, _signature_ok, entry_hash_fast
from infoshare_cli.ledger.keys import KeyUnavailable
from infoshare_cli.ledger.sealing import open_with_key

# --- checking an export ---------------------------------------------------------------------


@dataclass
class ExportReport:
    path: str
    decisions: int = 0
    entries: int = 0
    keys: int = 0
    head: dict | None = None
    exported_at: str | None = None
    problems: list[Problem] = field(default_factory=list)
    anchor: Anchor | None = None
    anchor_note: str = ""
    keys_checked: bool = False  # the export's keys were checked against the anchor's
    # Said when a signed anchor's signers' roles cannot be read from the export (one made
    # before exports recorded roles): the anchor is then not taken as countersigned.
    anchor_warning: str | None = None
    exporter: Exporter | None = None  # whose signature over the whole export holds
    kind: str = "json"  # json or jsonl (signed inside), or the format a manifest names
    manifest: str | None = None  # the detached manifest checked, if any
    sha256: str | None = None  # of the file's bytes, when a manifest vouches for them
    encrypted: str | None = None  # the manifest says the file is encrypted (age), and how
    opened: bool = False  # the file is the opened content of an encrypted export
    checked_inside: bool = False  # a JSON/JSONL export: its entries were checked one by one
    filters: dict | None = None  # as the export or its manifest states them
    limit: int = 0  # only the newest N decisions (0: all)
    warning: str | None = None  # the export was made from a log that failed verify

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "export": self.path,
            "decisions": self.decisions,
            "entries": self.entries,
            "public_keys": self.keys,
            "head": self.head,
            "exported_at": self.exported_at,
            "kind": self.kind,
            "signed_by": (
                {"staff_id": self.exporter.staff_id, "name": self.exporter.name}
                if self.exporter
                else None
            ),
            "manifest": self.manifest,
            "sha256": self.sha256,
            "encrypted": self.encrypted,
            "opened_from_encrypted": self.opened,
            "entries_checked": self.checked_inside,
            "filters": self.filters,
            "warning": self.warning,
            "first_bad_entry": self.first_bad.to_json() if self.first_bad else None,
            "anchor": (
                {
                    "text": self.anchor.text,
                    "ok": self.ok,
                    "message": self.anchor_note,
                    "keys_checked": self.keys_checked,
                    "warning": self.anchor_warning,
                }
                if self.anchor
                else None
            ),
            "problems": [p.message for p in self.problems],
        }


_DECISION_FIELDS = (
    "case_ref",
    "outcome",
    "answers",
    "basis",
    "urgent",
    "revisits",
    "outcome_record",
    "question_set",
)

_ENTRY_FIELDS = ("seq", "kind", "recorded_at", "actor", "payload", "prev_hash", "hash", "signature")


def verify_export(
    path: str | os.PathLike[str],
    anchor: Anchor | None = None,
    manifest: str | os.PathLike[str] | None = None,
) -> ExportReport:
    """Check an export of any format on its own, without the log.

    A JSON or JSONL export carries its signatures (every entry's, and the exporter's over
    the whole); any other file, or an encrypted one, is checked against its signed manifest
    (``manifest``, or ``FILE.manifest.json`` beside it). A JSON export given a manifest is
    checked against both.
    """
    from infoshare_cli.integrity.manifests import check_manifest, find_manifest, looks_like_json

    path = Path(path)
    found = find_manifest(path, manifest)
    if not looks_like_json(path):
        return check_manifest(path, found, anchor)
    report = _verify_json_export(path, anchor)
    if found is not None:
        by_manifest = check_manifest(path, found, None)
        report.manifest, report.sha256 = by_manifest.manifest, by_manifest.sha256
        report.opened = by_manifest.opened
        report.problems += by_manifest.problems
    return report


def _verify_json_export(path: Path, anchor: Anchor | None) -> ExportReport:
    """A JSON/JSONL export: hashes, signatures with its keys, head, counts, links, and the
    exporter's signature over the whole."""
    data = load_export(path)
    report = ExportReport(str(path), anchor=anchor, kind="jsonl" if data["_jsonl"] else "json")
    problems = report.problems
    if data.get("format") != EXPORT_FORMAT:
        raise InfoshareError(
            f"{path.name} is not an infoshare export this version can check (its format is "
            f"not {EXPORT_FORMAT})."
        )
    report.exported_at = (
        data.get("exported_at") if isinstance(data.get("exported_at"), str) else None
    )
    report.checked_inside = True
    _read_statement_details(report, data)

    head = read_head(data.get("head"))
    if head is not None:
        report.head = {"seq": head["seq"], "hash": head["hash"]}
    else:
        problems.append(
            Problem("head", "the export does not record the log's head (its newest entry).")
        )

    keys = _Keys()
    listed: list[dict] = []  # the key records as listed, for the anchor's fingerprint
    key_table = read_key_table(data.get("public_keys"), problems, listed)
    roles = read_role_table(listed, problems)
    report.keys = sum(len(v) for v in key_table.values())

    decisions = data.get("decisions")
    if not isinstance(decisions, list):
        problems.append(Problem("decisions", "the export has no list of decisions."))
        decisions = []
    report.decisions = len(decisions)
    count = data.get("count")
    if data.get("_jsonl") and not data.get("_footer"):
        problems.append(
            Problem("count", "the export's last line (its footer) is missing: it was cut short.")
        )
    elif data.get("_misplaced"):
        problems.append(
            Problem("count", f"line {data['_misplaced']} of the export is out of place.")
        )
    elif count != len(decisions):
        problems.append(
            Problem(
                "count",
                f"the export says it holds {counted(count, 'decision')} but has {len(decisions)}: "
                "decisions were removed from it or added to it.",
            )
        )

    seen: dict[int, tuple] = {}
    used: set[tuple[str, str]] = set()  # (staff id, key) of every key a signature is checked with
    entry_problems: list[Problem] = []
    for index, decision in enumerate(decisions, start=1):
        entry_problems += _export_decision(index, decision, keys, key_table, head, seen, used)
    # Adjacent entries must link up, as in the log itself.
    for seq in sorted(seen):
        if seq - 1 in seen and seen[seq][5] != seen[seq - 1][6]:
            entry_problems.append(
                Problem(
                    "chain",
                    f"it does not follow on from entry #{seq - 1} (the link between them is "
                    "broken).",
                    seq,
                    seen[seq][1],
                    seen[seq][2],
                )
            )
    report.entries = len(seen)
    entry_problems.sort(key=lambda p: p.seq if p.seq is not None else -1)
    whole, report.exporter = check_json_signature(
        data, decisions, head, lambda actor, seq: key_for(key_table, actor, seq)
    )
    problems += entry_problems
    problems += whole  # the entries' own problems, where there are any, say more
    if report.exporter is not None:  # the exporter's key signs too: the anchor must know it
        used.add((report.exporter.staff_id, report.exporter.public_key))
    if anchor is not None and head is not None:
        _export_anchor(report, anchor, head, seen)
        if anchor.count <= head["seq"] and not any(p.code == "anchor" for p in problems):
            _export_anchor_keys(report, anchor, listed, used, key_table, roles)
    return report


def _export_anchor_keys(
    report: ExportReport,
    anchor: Anchor,
    listed: list[dict],
    used: set[tuple[str, str]],
    key_table: KeyTable,
    roles: RoleTable | None,
) -> None:
    """The keys the export lists must be ones the anchor knows: trust in them comes from
    the anchor, kept off the computer, not from the export that lists them. A signed
    anchor's signers must have been active managers at its head, by the role history the
    export lists (under the exporter's signature) and the one rule ``verify --anchor``
    applies to the log (``signing.may_countersign``)."""
    verdict = anchor_knows_keys(anchor, listed, used)  # ``listed``: as the export gives them
    if not verdict.ok:
        report.problems.append(Problem("anchor", verdict.message))
        report.keys_checked = True
        return
    report.keys_checked = verdict.checked

    def who(staff_id: str) -> Signatory | None:
        found = in_force(key_table.get(staff_id, ()), anchor.count + 1)
        if found is None:
            return None
        if roles is None:  # an export without roles: the signatures alone are checked
            return Signatory(found[1], found[0], True)
        state = in_force(roles.get(staff_id, ()), anchor.count + 1)
        return Signatory(found[1], found[0], state is not None and may_countersign(*state))

    problem, signed = check_signatures(anchor, who) if verdict.checked else (None, "")
    if problem is not None:
        report.problems.append(Problem("anchor", problem))
        return
    if signed and roles is None and anchor.signed_text is not None:
        signed = ""
        report.anchor_warning = (
            f"The signatures on {anchor.described} match the keys this export lists, but "
            "the anchor's signers' roles cannot be checked from this export: it was made "
            "before exports recorded the staff's roles, so it cannot show that they were two "
            f"active managers at entry #{anchor.count}. Do not take the anchor as "
            f"countersigned on this export's word: check it against the log with "
            f"{command('verify --anchor')}, or against an export made since."
        )
    report.anchor_note = " ".join(
        part for part in (report.anchor_note, verdict.message, signed) if part
    )


def _read_statement_details(report: ExportReport, data: dict) -> None:
    """The filters, limit and warning an export or a manifest states, for the report."""
    filters = data.get("filters")
    report.filters = filters if isinstance(filters, dict) else None
    limit = data.get("limit")
    report.limit = limit if type(limit) is int else 0
    warning = data.get("warning")
    report.warning = warning if isinstance(warning, str) else None


def _export_anchor(report: ExportReport, anchor: Anchor, head: dict, seen: dict) -> None:
    def hash_at(seq: int) -> str | None:
        if seq == head["seq"]:
            return head["hash"]
        return seen[seq][6] if seq in seen else None

    if anchor.count > head["seq"]:
        # Not entries removed: the export simply came first. It cannot check this anchor.
        report.anchor_note = (
            f"{anchor.described[:1].upper()}{anchor.described[1:]} (entry #{anchor.count}) "
            f"was taken after this export (entry #{head['seq']}), so it cannot vouch for "
            "the export or its keys: give an anchor taken before the export, or check the "
            f"log with {command('verify --anchor')}."
        )
        return
    if anchor.count < head["seq"] and anchor.count not in seen:
        report.anchor_note = (
            f"The export was taken at entry #{head['seq']}, after {anchor.described} "
            f"(entry #{anchor.count}); the anchored entry itself is not in the export, so "
            f"check the log with {command('verify --anchor')}."
        )
        return
    problem, note = check_anchor(head["seq"], hash_at, anchor)
    if problem is not None:
        report.problems.append(problem)
    report.anchor_note = note


def _export_decision(
    index: int,
    decision: object,
    keys: _Keys,
    key_table: KeyTable,
    head: dict[str, Any] | None,
    seen: dict[int, tuple],
    used: set[tuple[str, str]],
) -> list[Problem]:
    if not isinstance(decision, dict):
        return [Problem("fields", f"decision number {index} in the export is not a record.")]
    raw_entries = decision.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        return [
            Problem(
                "fields",
                f"decision number {index} in the export carries no signed entries, so it "
                "cannot be checked.",
            )
        ]
    found: list[Problem] = []
    rows: list[tuple] = []
    for raw in raw_entries:
        row = tuple(raw.get(f) for f in _ENTRY_FIELDS) if isinstance(raw, dict) else (None,) * 8
        seq, kind, recorded_at, actor, payload, prev_hash, stored_hash, signature = row
        if not (
            type(seq) is int
            and isinstance(kind, str)
            and isinstance(recorded_at, str)
            and isinstance(actor, str)
            and isinstance(payload, str)
            and isinstance(prev_hash, str)
            and isinstance(stored_hash, str)
            and isinstance(signature, str)
        ):
            found.append(
                Problem(
                    "fields",
                    f"an entry of decision number {index} in the export is incomplete.",
                    seq if type(seq) is int else None,
                )
            )
            continue

        def problem(code: str, detail: str, _s=seq, _k=kind, _r=recorded_at) -> Problem:
            return Problem(code, detail, _s, _k, _r)

        digest = entry_hash_fast(seq, kind, recorded_at, actor, payload, prev_hash)
        if digest.hex() != stored_hash:
            found.append(
                problem(
                    "hash",
                    "its contents do not match its hash — it was changed after it was written.",
                )
            )
            continue
        if seq in seen and seen[seq] != row:
            found.append(problem("duplicate", "it appears twice in the export, differently."))
            continue
        seen[seq] = row
        if head is not None:
            if seq > head["seq"]:
                found.append(
                    problem("head", "it is newer than the head the export records — it was added.")
                )
                continue
            if seq == head["seq"] and stored_hash != head["hash"]:
                found.append(
                    problem("head", "it is the head the export records, with a different hash.")
                )
                continue
        key_text, name = key_for(key_table, actor, seq)
        if key_text is not None:
            used.add((actor, key_text))

        key_text, name = key_for(key_table, actor, seq)
        if key_text is None:
            found.append(
                problem("signer", "its signer has no public key in the export before this entry.")
            )
            continue
        if not _signature_ok(keys.get(key_text), signature, digest):
            found.append(
                problem(
                    "signature",
                    f"its signature does not match {name}'s key as listed in the export — it was "
                    "changed and re-sealed, or signed by someone else.",
                )
            )
            continue
        rows.append(row)
    if found:
        return found
    return _export_decision_fields(index, decision, rows, key_table)


def _export_decision_fields(
    index: int, decision: dict, rows: list[tuple], key_table: KeyTable
) -> list[Problem]:
    """The readable fields of a decision must say what its signed entries say."""
    main = [r for r in rows if r[1] == "decision"]
    if len(main) != 1:
        return [
            Problem(
                "fields",
                f"decision number {index} in the export does not carry exactly one signed "
                "decision entry.",
            )
        ]
    seq, kind, recorded_at, actor, payload_text, _prev, decision_hash, _sig = main[0]

    def problem(detail: str, row: tuple = main[0]) -> Problem:
        return Problem("fields", detail, row[0], row[1], row[2])

    payload = _load_object(payload_text)
    if payload is None:
        return [problem("its contents are not readable JSON.")]
    found: list[Problem] = []
    if SEALED in payload:  # its personal fields are sealed: opened with the record key it carries
        try:
            key = base64.b64decode(str(decision.get("record_key", "")), validate=True)
            payload = open_with_key(kind, payload, key)
        except (ValueError, KeyUnavailable):
            return [
                problem(
                    "its sealed contents do not open with the record key the export carries, "
                    "so what the export shows cannot be matched with what was signed."
                )
            ]
    if decision.get("id") != seq:
        found.append(problem(f"it is shown in the export as entry #{decision.get('id')}."))
    if "recorded_at" in decision and decision["recorded_at"] != recorded_at:
        found.append(problem("the time shown for it in the export is not the time it was signed."))
    for name in _DECISION_FIELDS:
        if name in decision and decision[name] != payload.get(name):
            found.append(
                problem(
                    f"its '{name}' as shown in the export differs from what was signed — the "
                    "export was edited."
                )
            )
    names = {sid: entries[-1][1][1] for sid, entries in key_table.items() if entries}
    decided_by = decision.get("decided_by")
    if isinstance(decided_by, str) and actor in names and decided_by not in (names[actor], actor):
        found.append(problem("the export names someone else as the person who took it."))
    for row in rows:
        if row[1] not in ("cosign", "correction"):
            continue
        body = _load_object(row[4])
        if body is None or body.get("decision") != seq:
            found.append(problem(f"entry #{row[0]} does not belong to this decision.", row))
        elif row[1] == "cosign":
            if body.get("decision_hash") != decision_hash:
                found.append(
                    problem(
                        "it co-signs a different version of the decision (the decision's hash "
                        "does not match) — one of them was changed.",
                        row,
                    )
                )
            elif row[3] == actor:
                found.append(
                    problem(
                        "the decision is co-signed by the person who took it; a decision is "
                        "never made by one person alone.",
                        row,
                    )
                )
    return found
