"""A signed anchor checked against an export asks the same question as against the log:
was each signer an active manager at the anchor's head? The export's signed key list
carries each person's role history for that (``public_keys[].roles``).

Real exports (`infoshare export`, JSON, JSONL and CSV with its manifest) of a real log,
and a real anchor taken by Alex and countersigned by Priya; the forged anchor swaps
Priya's line for the real signature of Sam, a practitioner.
"""

from __future__ import annotations

import base64
import json

import pytest
from support.ledger_attacks import (
    build_decided_log,
    copy_log,
    run_cli,
    sign_export,
    signer_for,
    staff_id,
    take_anchor,
)
from support.people import ALEX, PASSPHRASES, PRIYA, SAM

from infoshare_cli.integrity.anchor_note import parse_note, signature_line
from infoshare_cli.integrity.exports import verify_export
from infoshare_cli.ledger import crypto

FORMATS = {"json": "e.json", "jsonl": "e.jsonl", "csv": "e.csv"}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The log, its anchor (signed, and forged with a practitioner's signature), and one
    real export of each format taken after the anchor."""
    tmp = tmp_path_factory.mktemp("export-roles")
    path = tmp / "log.sqlite3"
    build_decided_log(path)
    signed = take_anchor(path)["signed"]
    text, lines = signed.split("\n\n")[0], signed.rstrip("\n").split("\n")
    anchor = parse_note(signed)
    sam = signer_for(path, SAM)
    sam_line = signature_line(
        staff_id(path, SAM),
        base64.b64decode(crypto.public_key_b64(sam.private_key)),
        sam.private_key.sign(anchor.signed_text.encode("utf-8")),
    )
    # Alex's real line (the first) and Sam's: one manager and one practitioner.
    forged = text + "\n\n" + lines[-2] + "\n" + sam_line
    assert lines[-2].split()[1] == staff_id(path, ALEX)
    exports = {}
    for fmt, name in FORMATS.items():
        out = tmp / name
        result = run_cli(
            path, "export", "--by", ALEX, "-f", fmt, "--out", str(out),
            input=PASSPHRASES[ALEX] + "\n",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        exports[fmt] = out
    return path, signed, forged, exports


def test_the_export_lists_each_persons_roles_as_the_register_has_them(made):
    data = json.loads(made[3]["json"].read_text(encoding="utf-8"))
    roles = {k["name"]: k["roles"] for k in data["public_keys"]}
    assert roles[SAM] == [{"from_seq": roles[SAM][0]["from_seq"], "role": "practitioner",
                           "active": True}]  # fmt: skip
    assert roles[PRIYA][0]["role"] == "manager" and roles[PRIYA][0]["active"] is True
    manifest = json.loads((made[3]["csv"].parent / "e.csv.manifest.json").read_text())
    assert manifest["public_keys"] == data["public_keys"]


def test_a_practitioners_countersignature_fails_against_the_log(made, tmp_path):
    log = copy_log(made[0], tmp_path / "log.sqlite3")
    result = run_cli(log, "verify", "--anchor", made[2])
    assert result.exit_code == 1, result.output
    assert "signed by Sam Lee, who was not an active manager" in result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_practitioners_countersignature_fails_against_an_export(made, fmt, tmp_path):
    report = verify_export(made[3][fmt], parse_note(made[2]))
    assert not report.ok
    assert "signed by Sam Lee, who was not an active manager" in report.problems[0].message
    result = run_cli(tmp_path / "no-log", "verify", "--export", made[3][fmt], "--anchor", made[2])
    assert result.exit_code == 1, result.output
    assert "who was not an active manager" in result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_honest_anchor_passes_against_every_export(made, fmt, tmp_path):
    report = verify_export(made[3][fmt], parse_note(made[1]))
    assert report.ok, [p.message for p in report.problems]
    assert "both signatures hold" in report.anchor_note
    assert report.anchor_warning is None
    result = run_cli(tmp_path / "no-log", "verify", "--export", made[3][fmt], "--anchor", made[1])
    assert result.exit_code == 0, result.output


def test_a_role_forged_in_a_json_export_breaks_the_exporters_signature(made, tmp_path):
    data = json.loads(made[3]["json"].read_text(encoding="utf-8"))
    for key in data["public_keys"]:
        if key["name"] == SAM:
            key["roles"][0]["role"] = "manager"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data), encoding="utf-8")
    report = verify_export(forged, parse_note(made[2]))
    assert not report.ok
    assert any(p.code == "signature" for p in report.problems), report.problems


def test_a_role_forged_in_a_manifest_breaks_the_exporters_signature(made, tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_bytes(made[3]["csv"].read_bytes())
    manifest = json.loads((made[3]["csv"].parent / "e.csv.manifest.json").read_text())
    for key in manifest["public_keys"]:
        if key["name"] == SAM:
            key["roles"][0]["role"] = "manager"
    (tmp_path / "e.csv.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = verify_export(csv, parse_note(made[2]))
    assert not report.ok
    assert any(p.code == "signature" for p in report.problems), report.problems


def test_an_export_without_roles_does_not_vouch_for_the_countersigners(made, tmp_path):
    """An export made before exports recorded roles (signed whole, as it was then): the
    anchor's signers' roles cannot be checked from it, and it says so."""
    data = json.loads(made[3]["json"].read_text(encoding="utf-8"))
    for key in data["public_keys"]:
        del key["roles"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(sign_export(data, signer_for(made[0], ALEX))), encoding="utf-8")
    assert verify_export(old).ok
    for anchor in (made[1], made[2]):
        report = verify_export(old, parse_note(anchor))
        assert report.ok, [p.message for p in report.problems]
        assert "both signatures hold" not in report.anchor_note
        assert "roles cannot be checked from this export" in (report.anchor_warning or "")
    result = run_cli(tmp_path / "no-log", "verify", "--export", old, "--anchor", made[2])
    assert "roles cannot be checked from this export" in " ".join(result.stdout.split())


def _signed_at(path, seq: int, names: tuple[str, ...]) -> str:
    """A signed anchor at entry ``seq`` of the log, signed by ``names`` with their real keys."""
    from infoshare_cli.integrity.anchor_keys import keys_fingerprint, log_key_history
    from infoshare_cli.integrity.anchor_note import note_text, origin_of, signed_note
    from infoshare_cli.integrity.report import Anchor
    from infoshare_cli.ledger.store import Ledger

    with Ledger.open(path) as ledger:
        entry, first = ledger.get(seq), ledger.get(1)
        keys = keys_fingerprint(log_key_history(ledger.conn, seq), seq)
    text = note_text(Anchor(seq, entry.hash, "2026-11-30", keys=keys), origin_of(first.hash))
    lines = []
    for name in names:
        private = signer_for(path, name).private_key
        public = base64.b64decode(crypto.public_key_b64(private))
        raw = private.sign(text.encode("utf-8"))
        lines.append(signature_line(staff_id(path, name), public, raw))
    return signed_note(text, lines)


@pytest.mark.parametrize(("seq", "passes"), [(5, True), (6, False)])
def test_a_manager_counts_only_while_active_in_the_log_and_in_the_export(
    made, seq, passes, tmp_path
):
    """Jo, a manager, is deactivated by entry #6. Alex and Jo's anchor at #5 (Jo still
    active) is countersigned; at #6 it is not: the log and the export say the same."""
    from support.people import JO

    note = _signed_at(made[0], seq, (ALEX, JO))
    log = copy_log(made[0], tmp_path / "log.sqlite3")
    by_log = run_cli(log, "verify", "--anchor", note)
    assert (by_log.exit_code == 0) is passes, by_log.output
    for fmt in FORMATS:
        report = verify_export(made[3][fmt], parse_note(note))
        assert report.ok is passes, [p.message for p in report.problems]
        if not passes:
            assert "who was not an active manager at entry #6" in report.problems[0].message


def test_a_role_history_told_two_ways_fails_the_export(made, tmp_path):
    """Even signed by the exporter, a key list that gives one person two different role
    histories (or none on one of their keys) cannot say who was a manager."""
    data = json.loads(made[3]["json"].read_text(encoding="utf-8"))
    sam = next(k for k in data["public_keys"] if k["name"] == SAM)
    data["public_keys"].append({**sam, "public_key": "A" * 43 + "=", "from_seq": 8, "roles": []})
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(sign_export(data, signer_for(made[0], ALEX))), encoding="utf-8")
    report = verify_export(odd, parse_note(made[1]))
    assert not report.ok
    assert "does not give Sam Lee's roles in one readable history" in report.problems[0].message


def test_a_manifest_with_an_unreadable_role_history_says_so(made, tmp_path):
    """A manifest whose key list gives Sam's roles as something that is not a history: the
    roles are not read, and the problem names him."""
    csv = tmp_path / "e.csv"
    csv.write_bytes(made[3]["csv"].read_bytes())
    manifest = json.loads((made[3]["csv"].parent / "e.csv.manifest.json").read_text())
    for key in manifest["public_keys"]:
        if key["name"] == SAM:
            key["roles"] = "practitioner"
    (tmp_path / "e.csv.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = verify_export(csv)
    assert (
        "keys",
        "the export's list of staff keys does not give Sam Lee's roles in one readable "
        "history, so who was a manager cannot be read from it.",
    ) in [(p.code, p.detail) for p in report.problems]
