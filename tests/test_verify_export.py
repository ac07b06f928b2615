"""`verify --export FILE`: an export checked on its own, without the database.

Exports here are built by hand to docs/export-format.md from a real log, then edited.
"""

from __future__ import annotations

import copy
import json

import pytest
from support.ledger_attacks import (
    build_decided_log,
    copy_log,
    run_cli,
    signer_for,
    spec_export,
    write_export,
)
from support.people import ALEX, PRIYA

from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.anchors import read_anchor
from infoshare_cli.integrity.exports import verify_export
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.entries import compute_hash


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path = tmp_path_factory.mktemp("export-log") / "log.sqlite3"
    build_decided_log(path)
    return path, spec_export(path)


@pytest.fixture
def data(exported):
    return copy.deepcopy(exported[1])


def check(tmp_path, data, jsonl=False, anchor=None):
    path = write_export(data, tmp_path / ("e.jsonl" if jsonl else "e.json"), jsonl)
    return verify_export(path, anchor)


@pytest.mark.parametrize("jsonl", [False, True])
def test_a_faithful_export_verifies(tmp_path, data, jsonl):
    report = check(tmp_path, data, jsonl)
    assert report.ok, [p.message for p in report.problems]
    assert (report.decisions, report.entries) == (3, 6)
    path = tmp_path / ("e.jsonl" if jsonl else "e.json")
    result = run_cli(tmp_path / "no-such-log", "verify", "--export", path)
    assert result.exit_code == 0, result.output
    assert "The export is intact" in result.stdout


def test_an_edited_review_field_is_caught(tmp_path, data):
    data["decisions"][0]["outcome"] = "do_not_share"
    report = check(tmp_path, data)
    assert not report.ok
    bad = report.first_bad
    assert bad.seq == 7 and "'outcome' as shown in the export differs" in bad.message


def test_an_edited_entry_payload_is_caught(tmp_path, data):
    entry = data["decisions"][0]["entries"][0]
    entry["payload"] = entry["payload"].replace('"share"', '"do_not_share"')
    bad = check(tmp_path, data).first_bad
    assert (bad.seq, bad.code) == (7, "hash")


def test_a_rehashed_entry_is_caught_by_its_signature(tmp_path, data):
    entry = data["decisions"][1]["entries"][0]  # (the case reference is sealed: the outcome)
    entry["payload"] = entry["payload"].replace('"do_not_share"', '"share"')
    entry["hash"] = compute_hash(*(entry[k] for k in ("seq", "kind", "recorded_at", "actor")),
                                 entry["payload"], entry["prev_hash"])  # fmt: skip
    bad = check(tmp_path, data).first_bad
    assert (bad.seq, bad.code) == (9, "signature")


def test_a_swapped_public_key_is_caught(tmp_path, data):
    other = crypto.public_key_b64(crypto.generate_private_key())
    for key in data["public_keys"]:
        if key["name"] == "Priya Shah":
            key["public_key"] = other
    bad = check(tmp_path, data).first_bad
    assert (bad.seq, bad.code) == (8, "signature")


@pytest.mark.parametrize("jsonl", [False, True])
def test_a_removed_decision_is_caught(tmp_path, data, jsonl):
    del data["decisions"][1]
    report = check(tmp_path, data, jsonl)
    assert not report.ok
    assert "says it holds 3 decisions but has 2" in report.problems[0].message


def test_a_cut_short_jsonl_export_is_caught(tmp_path, data):
    path = write_export(data, tmp_path / "e.jsonl", jsonl=True)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))
    report = verify_export(path)
    assert "footer" in report.problems[0].message and "cut short" in report.problems[0].message


def test_an_entry_newer_than_the_head_is_caught(tmp_path, data):
    data["head"] = {"seq": 9, "hash": data["decisions"][1]["entries"][0]["hash"]}
    report = check(tmp_path, data)
    assert report.first_bad.seq == 10 and report.first_bad.code == "head"


def test_a_missing_head_is_caught(tmp_path, data):
    del data["head"]
    report = check(tmp_path, data)
    assert report.problems[0].code == "head"


def test_a_cosign_moved_to_another_decision_is_caught(tmp_path, data):
    cosign = data["decisions"][0]["entries"].pop(1)
    data["decisions"][2]["entries"].append(cosign)
    report = check(tmp_path, data)
    assert not report.ok
    assert any("does not belong to this decision" in p.message for p in report.problems)


def test_an_export_serves_as_an_anchor(exported, tmp_path, data):
    log_path = copy_log(exported[0], tmp_path / "log.sqlite3")
    export_path = write_export(data, tmp_path / "earlier.json")
    anchor = read_anchor(str(export_path))
    assert anchor.count == data["head"]["seq"]
    assert run_cli(log_path, "verify", "--anchor", str(export_path)).exit_code == 0
    forged = copy.deepcopy(data)
    forged["head"]["hash"] = "0" * 64
    forged_path = write_export(forged, tmp_path / "forged.json")
    result = run_cli(log_path, "verify", "--anchor", str(forged_path))
    assert result.exit_code == 1
    assert "no longer has the hash the export forged.json of 2026-11-26 recorded" in result.stdout


@pytest.mark.parametrize(
    "text",
    ["", "not json at all", "[1, 2, 3]", '{"format": "something-else/9"}', "\x00\x01", "{\n"],
)
def test_not_an_export(tmp_path, text):
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(InfoshareError):
        verify_export(path)
    result = run_cli(tmp_path / "log", "verify", "--export", path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output


def test_export_json_output(tmp_path, data):
    path = write_export(data, tmp_path / "e.json")
    result = run_cli(tmp_path / "log", "verify", "--export", path, "--json")
    out = json.loads(result.stdout)
    assert out["ok"] is True and out["decisions"] == 3 and out["head"] == data["head"]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_real_export_verifies_and_an_edited_one_does_not(exported, tmp_path, fmt):
    from support.people import PASSPHRASES

    log_path = copy_log(exported[0], tmp_path / "log.sqlite3")
    out = tmp_path / f"real.{fmt}"
    result = run_cli(
        log_path, "export", "--format", fmt, "-o", out, "--by", ALEX, input=PASSPHRASES[ALEX] + "\n"
    )
    assert result.exit_code == 0, result.output
    report = verify_export(out)
    assert report.ok, [p.message for p in report.problems]
    assert report.decisions == 3
    # The export's own ledger entry comes after its head: the log verifies, and the
    # export serves as an anchor for it.
    assert run_cli(log_path, "verify", "--anchor", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    out.write_text(text.replace('"outcome": "share"', '"outcome": "do_not_share"', 1))
    assert not verify_export(out).ok


def test_a_cosign_re_signed_for_another_version_of_the_decision_is_named(exported, tmp_path, data):
    """An insider (Priya, with her own key) changes the hash her co-signature names and signs
    the entry again; the exporter signs the whole export again. The entry's hash and
    signature hold: the match between the co-signature and the decision names it, in words
    a manager can act on (and the next entry no longer follows on from it)."""
    cosign = data["decisions"][0]["entries"][1]
    assert (cosign["seq"], cosign["kind"]) == (8, "cosign")
    body = json.loads(cosign["payload"])
    body["decision_hash"] = "0" * 64
    cosign["payload"] = json.dumps(body, sort_keys=True, separators=(",", ":"))
    cosign["hash"] = compute_hash(*(cosign[k] for k in ("seq", "kind", "recorded_at", "actor")),
                                  cosign["payload"], cosign["prev_hash"])  # fmt: skip
    cosign["signature"] = signer_for(exported[0], PRIYA).sign(bytes.fromhex(cosign["hash"]))
    path = write_export(data, tmp_path / "e.json", signer=signer_for(exported[0], ALEX))
    report = verify_export(path)
    assert [(p.seq, p.code, p.detail) for p in report.problems] == [
        (
            8,
            "fields",
            "it co-signs a different version of the decision (the decision's hash does not "
            "match) — one of them was changed.",
        ),
        (9, "chain", "it does not follow on from entry #8 (the link between them is broken)."),
    ]
    result = run_cli(tmp_path / "no-such-log", "verify", "--export", path)
    assert result.exit_code == 1
    shown = " ".join(result.stdout.split())
    assert "it co-signs a different version of the decision (the decision's hash does not" in (
        shown
    )


def test_an_entry_whose_signer_has_no_key_in_the_export_is_named(exported, tmp_path, data):
    """Sam's key taken out of the export's key list: his decisions cannot be checked."""
    data["public_keys"] = [k for k in data["public_keys"] if k["name"] != "Sam Lee"]
    path = write_export(data, tmp_path / "e.json", signer=signer_for(exported[0], ALEX))
    found = [(p.seq, p.code, p.detail) for p in verify_export(path).problems]
    missing = "its signer has no public key in the export before this entry."
    assert (7, "signer", missing) in found and (9, "signer", missing) in found


def test_an_entry_at_the_head_with_another_hash_is_named(exported, tmp_path, data):
    """The head the export records names entry #12 with a hash that is not #12's."""
    data["head"]["hash"] = "0" * 64
    assert data["head"]["seq"] == 12
    path = write_export(data, tmp_path / "e.json", signer=signer_for(exported[0], ALEX))
    found = [(p.seq, p.code, p.detail) for p in verify_export(path).problems]
    assert (12, "head", "it is the head the export records, with a different hash.") in found


def test_a_line_out_of_place_in_a_jsonl_export_is_named_by_its_number(tmp_path, data):
    """Header (line 1), three decisions (2-4), the footer (5), then a line that belongs
    nowhere (6)."""
    path = write_export(data, tmp_path / "e.jsonl", jsonl=True)
    path.write_text(path.read_text(encoding="utf-8") + '{"type": "note"}\n', encoding="utf-8")
    details = [p.detail for p in verify_export(path).problems]
    assert "line 6 of the export is out of place." in details


def test_a_public_key_record_without_its_person_or_key_is_incomplete(exported, tmp_path, data):
    data["public_keys"].append({"from_seq": 3})
    path = write_export(data, tmp_path / "e.json", signer=signer_for(exported[0], ALEX))
    details = [p.detail for p in verify_export(path).problems]
    assert "one of the export's public keys is incomplete." in details


@pytest.mark.parametrize("listed_newest_first", [False, True])
def test_a_person_with_two_keys_is_checked_with_the_key_in_force_at_each_entry(
    listed_newest_first,
):
    """After a passphrase change a person has two keys: each entry is checked with the one
    in force when it was written, whatever order the keys are listed or sort in (here the
    newer key sorts first as text, so sorting by anything but the entry number goes wrong)."""
    from infoshare_cli.integrity.export_signature import key_for, read_key_table

    older = {"staff_id": "s-sam", "name": "Sam", "public_key": "Z-older", "from_seq": 3}
    newer = {"staff_id": "s-sam", "name": "Sam", "public_key": "A-newer", "from_seq": 40}
    listed = [newer, older] if listed_newest_first else [older, newer]
    problems: list = []
    table = read_key_table(listed, problems)
    assert problems == []
    assert key_for(table, "s-sam", 4) == ("Z-older", "Sam")
    assert key_for(table, "s-sam", 40) == ("Z-older", "Sam")  # the change signed with the old
    assert key_for(table, "s-sam", 41) == ("A-newer", "Sam")
    assert key_for(table, "s-sam", 3) == (None, "s-sam")  # nothing before it was registered
