"""The golden log: tests/data/golden.db, written by infoshare 0.1.0 on 2026-11-29
(tests/support/make_golden_log.py says how, and lists its 17 entries).

Every later version must open it, show it, list it, verify it, and keep appending to it
with the keys and passphrases it was made with. That pins the formats a log on a nursery's
PC is stuck with: how an entry is hashed and signed, how keys are sealed, the schema of
its migrations, and the meaning of each kind of entry. A new entry kind or a migration is
fine; failing this test is not. Never regenerate the file to make this test pass.

The tests work on a copy: opening a log (even to read it) may leave SQLite side files or
apply a new version's migrations, and the committed file must stay as it was made.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from support.ledger_attacks import run_cli, take_anchor

GOLDEN = Path(__file__).parent / "data" / "golden.db"

# Written out by hand from the file as made; not read from any infoshare code.
ENTRY_HASHES = [
    (1, "staff", "accb3cec96680586d89ca3440af50d6b5d8e5daccef448f54d04131486eca38d"),
    (2, "setting", "78d19178142b99eadfa858f402f93fbda98b31a2c0b29b3f1331f752feba9eec"),
    (3, "staff", "606f6788865fbe1b32bcc6344d56352d73f290b4bf4ac873d22a093d02454672"),
    (4, "staff", "638199c673bf9cb511a43e3f5d1406d33c0cc3fe46329d84d61e5d921d0c5a59"),
    (5, "staff", "af01bcd1cf3f11462fb3e4b22d449654319f64165e25929be91665cf469851fa"),
    (6, "staff", "d173784c9e4dde4e7527504b579fe5283dec99371dbba25c180754f25391536f"),
    (7, "decision", "b78c3f971cb85cd1615323272723f5254a1ca615e73805d789d6a5092e1f3f7b"),
    (8, "cosign", "07b50f33864d87d8d149ec6b69f2e71c4500faf5c3c80cb39447f0f0f8c14627"),
    (9, "decision", "64fefe7e5a6689f706eb7000e8c2474e95ab0c694f0b3199035764a152d66a31"),
    (10, "decision", "2f0867932beec4a57ababa653231c6a01cf102dc0c97c5b4ef736712b59b5982"),
    (11, "cosign", "cf0cd4832a63efabfcc60011cd289b9a23a9001941d8c1e0bb8a15cf7c6cb580"),
    (12, "decision", "4f0eeba5a395d2ee5e244272acbeaa07ba43f3816eaa04e7ca31187d0d023cea"),
    (13, "cosign", "0f50d35d17ca5d80db64889fd794872c5f836f8e0f9de025afa57e41ef3eb58c"),
    (14, "correction", "b402bb264bb07d2b617e9955f7b7afb16132108d874b097a96807607e5f57e3e"),
    (15, "staff", "5775c20e10da7e0dee08a1b4dd624bdb02bfb07f2fe95ecc000939f5d96d2ed2"),
    (16, "decision", "5f265b1fd11debfd0b0631c8ae4e69ab57360b45c54164c6218243868545c5a1"),
    (17, "export", "1f169f9ee2b04c067f6fdc58feff727562f8bfff5ad6f395fa42bd873e3a9ddc"),
]
HEAD_SEQ = 17
HEAD_HASH = "1f169f9ee2b04c067f6fdc58feff727562f8bfff5ad6f395fa42bd873e3a9ddc"
ANCHOR = f"infoshare-anchor:v1:{HEAD_SEQ}:{HEAD_HASH}:2026-11-29"
# The fingerprint of the golden log's staff keys up to its head: pins how it is computed
# (integrity/anchor_keys.py), so anchors taken today keep verifying.
KEYS_FINGERPRINT = "c2442ae04f18630753cde3b721bf7d21c1305886f2bc9fb0179faad72bbfabe8"
ANCHOR_V2 = f"infoshare-anchor:v2:{HEAD_SEQ}:{HEAD_HASH}:2026-11-29:{KEYS_FINGERPRINT}"
# The passphrases the golden log's keys are sealed with (test data, not secrets).
ALEX, PRIYA, SAM = "Alex Morgan", "Priya Shah", "Sam Lee"
PASSPHRASES = {
    ALEX: "alex passphrase one",
    PRIYA: "priya passphrase two",
    SAM: "sam passphrase renewed",  # changed at entry #15
}
# What each decision is, as the log records it: id -> (case, outcome, status, by, co-signer).
DECISIONS = {
    16: ("C-9", "do_not_share", "awaiting co-signature", SAM, None),
    12: ("C-1042", "share", "agreed", ALEX, PRIYA),
    10: ("C-1042", "seek_advice", "superseded", ALEX, PRIYA),
    9: ("C-7", "do_not_share", "awaiting co-signature", SAM, None),
    7: ("C-1042", "share_without_consent", "agreed", SAM, PRIYA),
}
# Its decisions' numbers, 1 to 5 in the order taken (entry seq -> number): migration 0011
# numbers a log written before numbers existed.
NUMBERS = {7: 1, 9: 2, 10: 3, 12: 4, 16: 5}


@pytest.fixture
def old_file(tmp_path) -> Path:
    """A copy of the golden log exactly as committed: not yet opened by this version."""
    path = tmp_path / "golden.db"
    shutil.copyfile(GOLDEN, path)
    path.chmod(0o600)
    return path


@pytest.fixture
def golden(old_file) -> Path:
    """The copy once opened by this version (as any command but verify and backup does),
    which brings its schema up to date; verify reads a log and never changes it."""
    result = run_cli(old_file, "pending")
    assert result.exit_code == 0, result.output
    return old_file


def test_verify_before_this_version_has_opened_it(old_file):
    """Before this version has opened the old log, verify finds it intact (verify never
    changes a log) and says it will be brought up to date; nothing is counted against it."""
    result = run_cli(old_file, "verify", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["schema_problems"] == [] and report["problems"] == []
    assert (report["head"]["seq"], report["head"]["hash"]) == (HEAD_SEQ, HEAD_HASH)
    # Its five decisions were taken under the set infoshare ships, which the log does not
    # keep a copy of: found by its fingerprint, each outcome is recomputed.
    assert report["outcomes"] == {
        "recomputed": 5, "not_recomputed": [], "sealed": [], "problems": []
    }  # fmt: skip
    screen = run_cli(old_file, "verify").stdout
    assert "written by an older version of infoshare" in screen


@pytest.mark.parametrize("processes", [False, True])
def test_outcomes_are_recomputed_in_the_pass_and_stop_at_the_first_bad_entry(old_file, processes):
    """The pass over the entries recomputes each plaintext decision's outcome as it goes,
    as the separate reading of every decision (check_outcomes) does. When an entry is bad
    the outcomes stop before it, however far the pass read past it (with worker processes
    a bad signature is found after the entries that follow it were read)."""
    import base64

    from infoshare_cli.integrity.outcomes import check_outcomes
    from infoshare_cli.integrity.verify import verify_path

    report = verify_path(old_file, processes=processes, threads=2)
    conn = sqlite3.connect(old_file)
    alone = check_outcomes(conn)
    assert report.ok and report.recomputed == alone.recomputed == 5
    assert (report.outcomes, report.not_recomputed) == (alone.problems, alone.not_recomputed)
    signature = base64.b64decode(
        conn.execute("SELECT signature FROM entries WHERE seq = 10").fetchone()[0]
    )
    flipped = base64.b64encode(bytes([signature[0] ^ 1]) + signature[1:]).decode()
    conn.execute("DROP TRIGGER entries_no_update")
    conn.execute("UPDATE entries SET signature = ? WHERE seq = 10", (flipped,))
    conn.commit()
    conn.close()
    report = verify_path(old_file, processes=processes, threads=2)
    assert (report.first_bad.seq, report.first_bad.code) == (10, "signature")
    assert report.recomputed == 2  # the decisions at #7 and #9


def test_an_old_log_without_a_safeguard_is_not_passed_off_as_old(old_file):
    """Deleting migration rows must not make a dropped safeguard look like an older log."""
    import sqlite3

    conn = sqlite3.connect(old_file)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0003_no_replace'")
    conn.execute("DROP TRIGGER entries_no_replace")
    conn.commit()
    conn.close()
    result = run_cli(old_file, "verify")
    assert result.exit_code == 1
    assert "entries_no_replace" in result.stdout


def test_a_current_log_is_not_passed_off_as_an_older_one(staffed_log):
    """A log that already holds keys (0004 and later) cannot claim to predate them."""
    import sqlite3

    conn = sqlite3.connect(staffed_log.path)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name <> '0001_ledger' AND name > '0003'")
    conn.execute("DROP TABLE record_keys")
    conn.commit()
    conn.close()
    result = run_cli(staffed_log.path, "verify")
    assert result.exit_code == 1
    assert "record_keys" in result.stdout


def test_the_committed_file_holds_the_pinned_entries():
    """Read with plain sqlite3 (no infoshare code), without changing the file."""
    conn = sqlite3.connect(f"file:{GOLDEN}?immutable=1", uri=True)
    try:
        rows = conn.execute("SELECT seq, kind, hash FROM entries ORDER BY seq").fetchall()
    finally:
        conn.close()
    assert rows == ENTRY_HASHES
    assert not GOLDEN.with_name("golden.db-wal").exists()


def test_verify(golden):
    result = run_cli(golden, "verify")
    assert result.exit_code == 0, result.output
    assert "The log is intact." in result.output
    assert f"All {HEAD_SEQ} entries checked, from #1 to #{HEAD_SEQ}" in result.output
    assert f"Newest entry: #{HEAD_SEQ}, 2026-11-29 23:32, hash {HEAD_HASH[:16]}" in result.output


def test_verify_json_names_the_pinned_head(golden):
    result = run_cli(golden, "verify", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert (report["head"]["seq"], report["head"]["hash"]) == (HEAD_SEQ, HEAD_HASH)


def test_verify_against_its_anchor(golden):
    result = run_cli(golden, "verify", "--anchor", ANCHOR)  # the older form still verifies
    assert result.exit_code == 0, result.output
    assert "does not record the staff's signing keys" in result.stdout
    result = run_cli(golden, "verify", "--anchor", ANCHOR_V2)
    assert result.exit_code == 0, result.output
    assert "signing keys match" in result.stdout
    line = take_anchor(golden)["anchor"]
    assert line.startswith(f"infoshare-anchor:v2:{HEAD_SEQ}:{HEAD_HASH}:")
    assert line.endswith(f":{KEYS_FINGERPRINT}")


@pytest.mark.parametrize(
    "anchor",
    [
        ANCHOR.replace(HEAD_HASH, HEAD_HASH[:-1] + "0"),  # another newest entry
        ANCHOR.replace(f":v1:{HEAD_SEQ}:", f":v1:{HEAD_SEQ + 1}:"),  # entries removed since
        ANCHOR_V2.replace(KEYS_FINGERPRINT, KEYS_FINGERPRINT[::-1]),  # other staff keys
        f"infoshare-anchor:v1:{HEAD_SEQ - 1}:{ENTRY_HASHES[-1][2]}:2026-11-29",  # wrong pair
    ],
)
def test_verify_against_a_wrong_anchor_fails(golden, anchor):
    result = run_cli(golden, "verify", "--anchor", anchor)
    assert result.exit_code == 1, result.output


def test_log_lists_every_decision(golden):
    result = run_cli(golden, "log", "--json")
    assert result.exit_code == 0, result.output
    listed = {
        d["id"]: (d["case_ref"], d["outcome"], d["status"], d["decided_by"], d["cosigned_by"])
        for d in json.loads(result.stdout)
    }
    assert listed == DECISIONS
    assert list(listed) == [16, 12, 10, 9, 7]  # newest first
    numbers = {d["id"]: d["number"] for d in json.loads(result.stdout)}
    assert numbers == NUMBERS
    screen = run_cli(golden, "log")
    assert screen.exit_code == 0, screen.output
    rows = [line.split() for line in screen.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["5", "4", "3", "2", "1"]  # the numbers, newest first
    for case_ref, *_rest in DECISIONS.values():
        assert case_ref in screen.stdout


def test_show_each_decision_with_its_signatures(golden):
    for seq, (case_ref, _outcome, _status, by, cosigner) in DECISIONS.items():
        result = run_cli(golden, "show", str(NUMBERS[seq]))
        assert result.exit_code == 0, result.output
        assert f"Decision {NUMBERS[seq]}   case {case_ref}" in result.stdout
        # the entry form an older note would give finds the same decision
        assert run_cli(golden, "show", f"e{seq}").stdout == result.stdout
        assert f"Decided by {by}  ✔ signature verifies" in result.stdout
        if cosigner:
            assert f"Co-signed by {cosigner} on 2026-11-29 23:32" in result.stdout
        assert "does not verify" not in result.stdout.lower()


def test_show_the_corrected_decision_in_full(golden):
    result = run_cli(golden, "show", "--json", "1")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["number"], shown["id"]) == (1, 7)
    assert shown["checks_ok"] is True and shown["problems"] == []
    assert shown["answers"]["consent"] == {
        "answer": "refused",
        "reason": "Parent refused when asked on Monday.",
    }
    assert shown["basis"] == ["public interest: evidence of significant harm"]
    assert shown["question_set"] == {
        "name": "Information sharing checklist",
        "sha256": "fd0e7858467e901d27508ec7a5ef8bfaa4050719788ec3387813e3a4ad621ad5",
        "version": "2018.1",
    }
    assert [
        (c["seq"], c["by"], c["verdict"], c["signature_ok"]) for c in shown["cosignatures"]
    ] == [(8, PRIYA, "agree", True)]
    assert [(c["seq"], c["by"], c["right"], c["signature_ok"]) for c in shown["corrections"]] == [
        (14, ALEX, "It was shared on 27 November.", True)
    ]


def test_its_keys_still_sign_new_entries(golden):
    """The sealed keys open with the old passphrases (Sam's renewed one included), and what
    they sign now verifies together with everything before it."""
    result = run_cli(golden, "cosign", "5", "--by", PRIYA, input=f"{PASSPHRASES[PRIYA]}\nagree\n\n")
    assert result.exit_code == 0, result.output
    result = run_cli(
        golden,
        "correct",
        "5",
        "--by",
        SAM,
        "--wrong",
        "The case reference.",
        "--right",
        "It is C-9.",
        "--why",
        "Checking.",
        input=f"{PASSPHRASES[SAM]}\n",
    )
    assert result.exit_code == 0, result.output
    verified = run_cli(golden, "verify", "--json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["ok"] is True and report["head"]["seq"] == HEAD_SEQ + 2
    assert run_cli(golden, "verify", "--anchor", ANCHOR).exit_code == 0  # it only grew
