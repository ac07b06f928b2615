"""Trust in the staff keys comes from the anchor, kept off the computer, not from the file.

Attacks on a real log and on exports of it: a key added or replaced in the file, an
export re-signed with keys it lists itself, a key registered after the anchor.
"""

from __future__ import annotations

import copy
import json

import pytest
from support.ledger_attacks import (
    DECIDED_ENTRIES,
    Forger,
    build_decided_log,
    copy_log,
    run_cli,
    spec_export,
    take_anchor,
    write_export,
)

from infoshare_cli.integrity.anchor_keys import anchor_knows_keys, keys_fingerprint
from infoshare_cli.integrity.anchors import parse_anchor
from infoshare_cli.integrity.exports import verify_export
from infoshare_cli.integrity.report import Anchor
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.entries import compute_hash


def canonical(body: dict) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_FIELDS = ("seq", "kind", "recorded_at", "actor", "payload", "prev_hash")


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    path = tmp_path_factory.mktemp("anchor-keys") / "log.sqlite3"
    build_decided_log(path)
    return path, spec_export(path), take_anchor(path)["anchor"]


@pytest.fixture
def log(decided, tmp_path):
    return copy_log(decided[0], tmp_path / "log.sqlite3")


@pytest.fixture
def data(decided):
    return copy.deepcopy(decided[1])


def resign(entry: dict, key) -> None:
    """Recompute an entry's hash and sign it with ``key`` (an attacker's own key)."""
    digest = compute_hash(*(entry[f] for f in _FIELDS))
    entry["hash"] = digest
    entry["signature"] = crypto.sign(key, bytes.fromhex(digest))


def test_the_anchor_records_the_keys_of_the_log(decided):
    path, data, line = decided
    anchor = parse_anchor(line)
    assert anchor.count == DECIDED_ENTRIES
    assert anchor.keys == keys_fingerprint(data["public_keys"], DECIDED_ENTRIES)
    assert anchor_knows_keys(anchor, data["public_keys"]).ok


def test_an_anchor_whose_key_fingerprint_differs_fails(log, decided):
    """A key added or replaced in the file: the keys up to the head are not the anchor's."""
    anchor = parse_anchor(decided[2])
    other = Anchor(anchor.count, anchor.hash, anchor.date, keys="0" * 64)
    result = run_cli(log, "verify", "--anchor", other.text)
    assert result.exit_code == 1, result.output
    assert "signing keys up to entry #12 are not the ones the anchor" in result.stdout
    # The hash alone still matches: only the keys give it away.
    assert "no longer has the hash" not in result.stdout
    assert run_cli(log, "verify", "--anchor", decided[2]).exit_code == 0


def test_a_key_replaced_in_the_export_fails_against_the_anchor(tmp_path, data, decided):
    """The whole export re-signed with new keys it lists itself: it checks on its own, and
    fails against the anchor."""
    new_keys = {}
    for key in data["public_keys"]:
        private = crypto.generate_private_key()
        new_keys[key["staff_id"]] = private  # (one key each in this log)
        key["public_key"] = crypto.public_key_b64(private)
    entries = sorted((e for d in data["decisions"] for e in d["entries"]), key=lambda e: e["seq"])
    new_hash: dict[int, str] = {}
    for entry in entries:  # in the order of the log: links and co-signed hashes follow
        if entry["seq"] - 1 in new_hash:
            entry["prev_hash"] = new_hash[entry["seq"] - 1]
        if entry["kind"] == "cosign":
            body = json.loads(entry["payload"])
            body["decision_hash"] = new_hash[body["decision"]]
            entry["payload"] = canonical(body)
        resign(entry, new_keys[entry["actor"]])
        new_hash[entry["seq"]] = entry["hash"]
    data["head"]["hash"] = max(entries, key=lambda e: e["seq"])["hash"]
    exporter = data["signature"]["signed_by"]  # and the whole signed with the forged key
    path = write_export(data, tmp_path / "forged.json", signer=Forger(exporter, new_keys[exporter]))
    alone = verify_export(path)
    assert alone.ok, [p.message for p in alone.problems]  # it certifies itself...
    report = verify_export(path, parse_anchor(decided[2]))
    assert not report.ok  # ...but not against the anchor
    result = run_cli(tmp_path / "no-log", "verify", "--export", path, "--anchor", decided[2])
    assert result.exit_code == 1, result.output
    assert "does NOT verify" in result.stdout


def test_an_export_resigned_with_a_key_the_anchor_does_not_know_fails(tmp_path, data, log, decided):
    """An anchor at entry #7; decision #9 re-signed with a key the export says Sam got at
    entry #8 (no such change exists). The keys up to #7 still match; the new one does not."""
    anchor = _anchor_at(log, 7, data)
    sam = next(k for k in data["public_keys"] if k["name"] == "Sam Lee")
    forger = crypto.generate_private_key()
    data["public_keys"].append(
        {
            "staff_id": sam["staff_id"],
            "name": "Sam Lee",
            "public_key": crypto.public_key_b64(forger),
            "from_seq": 8,
            "roles": sam["roles"],
        }
    )
    decision = next(d for d in data["decisions"] if d["id"] == 9)
    entry = decision["entries"][0]
    resign(entry, forger)
    path = write_export(data, tmp_path / "resigned.json")
    # On its own, the exporter's signature over the list of keys gives it away...
    alone = [p.message for p in verify_export(path).problems]
    assert len(alone) == 1 and "who exported it, does not match the export" in alone[0]
    report = verify_export(path, anchor)  # ...and the anchor does not know the new key
    messages = [p.message for p in report.problems]
    assert any("registered at entry #8" in m and "does not know it" in m for m in messages)
    # The faithful export passes against the same anchor, and its keys were checked.
    faithful = verify_export(write_export(decided[1], tmp_path / "ok.json"), anchor)
    assert faithful.ok and faithful.keys_checked, [p.message for p in faithful.problems]


def _anchor_at(path, seq, data):
    from infoshare_cli.ledger.store import Ledger

    with Ledger.open(path) as ledger:
        entry = ledger.get(seq)
    keys = [k for k in data["public_keys"] if k["from_seq"] <= seq]
    return Anchor(seq, entry.hash, "2026-11-30", keys=keys_fingerprint(keys, seq))


def test_an_older_anchor_checks_no_keys_and_still_passes(tmp_path, data, decided):
    anchor = parse_anchor(decided[2])
    old = Anchor(anchor.count, anchor.hash, anchor.date)
    report = verify_export(write_export(data, tmp_path / "e.json"), old)
    assert report.ok and not report.keys_checked
    assert "does not record the staff's signing keys" in report.anchor_note


def test_names_in_a_forged_export_and_its_anchor_cannot_rewrite_the_screen(tmp_path, data):
    """Someone sends an export and a signed anchor they forged together, with staff names
    holding terminal escapes and a right-to-left override: `verify --export` names the
    signers, and must show those names through the display filter, like every string it
    did not write itself."""
    import base64

    from infoshare_cli.integrity.anchor_note import note_text, signature_line, signed_note

    evil = "\x1b[2J\x1b[H\u202e✓ intact"
    renamed = {key["name"]: key["name"] + evil for key in data["public_keys"]}

    def rename(value):  # every place the export names a person
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        return renamed.get(value, value) if isinstance(value, str) else value

    data = rename(data)
    new_keys = {}
    for key in data["public_keys"]:
        private = crypto.generate_private_key()
        new_keys[key["staff_id"]] = private
        key["public_key"] = crypto.public_key_b64(private)
    entries = sorted((e for d in data["decisions"] for e in d["entries"]), key=lambda e: e["seq"])
    new_hash: dict[int, str] = {}
    for entry in entries:
        if entry["seq"] - 1 in new_hash:
            entry["prev_hash"] = new_hash[entry["seq"] - 1]
        if entry["kind"] == "cosign":
            body = json.loads(entry["payload"])
            body["decision_hash"] = new_hash[body["decision"]]
            entry["payload"] = canonical(body)
        resign(entry, new_keys[entry["actor"]])
        new_hash[entry["seq"]] = entry["hash"]
    head = max(entries, key=lambda e: e["seq"])
    data["head"] = {"seq": head["seq"], "hash": head["hash"]}
    exporter = data["signature"]["signed_by"]  # the whole signed again with a forged key
    export = write_export(
        data, tmp_path / "forged.json", signer=Forger(exporter, new_keys[exporter])
    )
    anchor = Anchor(
        head["seq"], head["hash"], "2026-11-30", keys=keys_fingerprint(data["public_keys"], 99)
    )
    text = note_text(anchor, "infoshare-hash-chain/0123456789abcdef")
    lines = []
    for key in data["public_keys"][:2]:
        private = new_keys[key["staff_id"]]
        signature = base64.b64decode(crypto.sign(private, text.encode("utf-8")))
        public = base64.b64decode(key["public_key"])
        lines.append(signature_line(key["staff_id"], public, signature))
    note = tmp_path / "anchor.txt"
    note.write_text(signed_note(text, lines), encoding="utf-8")
    result = run_cli(tmp_path / "no-log", "verify", "--export", export, "--anchor", note)
    assert "It is signed by" in result.stdout, result.output  # the names are shown...
    for unsafe in ("\x1b", "\u202e"):  # ...but never as escapes or a bidi override
        assert unsafe not in result.stdout
        assert unsafe not in result.stderr
