"""`anchor` is countersigned by a second manager, as a C2SP signed note; `verify --anchor`
checks both signatures against the staff keys the log had at the anchored entry.

Attacks on real anchors of a real log: a forged signature, a missing one, the same manager
twice, a practitioner's, a stranger's key, an edited text, another log's anchor.
"""

from __future__ import annotations

import base64
import copy

import pytest
from support.ledger_attacks import (
    ANCHOR_BY,
    ANCHOR_PASSPHRASES,
    build_decided_log,
    copy_log,
    run_cli,
    signer_for,
    spec_export,
    staff_id,
    take_anchor,
    write_export,
)
from support.people import ALEX, PASSPHRASES, PRIYA, SAM

from infoshare_cli.integrity.anchor_note import (
    DASH,
    note_text,
    parse_note,
    signature_line,
)
from infoshare_cli.integrity.exports import verify_export
from infoshare_cli.ledger import crypto


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    path = tmp_path_factory.mktemp("anchor-signed") / "log.sqlite3"
    build_decided_log(path)
    return path, take_anchor(path), spec_export(path)


@pytest.fixture
def log(decided, tmp_path):
    return copy_log(decided[0], tmp_path / "log.sqlite3")


@pytest.fixture
def signed(decided) -> str:
    return decided[1]["signed"]


def lines_of(note: str) -> list[str]:
    return note.splitlines()


def with_signatures(note: str, signature_lines: list[str]) -> str:
    text = note.split("\n\n")[0]
    return text + "\n\n" + "\n".join(signature_lines) + "\n"


def verify_with(log, anchor: str):
    return run_cli(log, "verify", "--anchor", anchor)


def sign_as(log, name: str, note: str, private=None) -> str:
    """A signature line over the note's text, by ``name``'s real key (or ``private``)."""
    anchor = parse_note(note)
    key = private if private is not None else signer_for(log, name).private_key
    public = base64.b64decode(crypto.public_key_b64(key))
    raw = key.sign(anchor.signed_text.encode("utf-8"))
    return signature_line(staff_id(log, name), public, raw).rstrip("\n")


def test_a_countersigned_anchor_verifies_as_text_and_as_a_file(log, signed, tmp_path):
    text, sigs = signed.split("\n\n")
    assert text.startswith("infoshare-hash-chain/") and len(text.splitlines()) == 4
    assert [line.startswith(f"{DASH} s-") for line in sigs.splitlines()] == [True, True]
    result = verify_with(log, signed)
    assert result.exit_code == 0, result.output
    assert "signed by Alex Morgan and Priya Shah, and both signatures hold" in result.stdout
    saved = tmp_path / "anchor.txt"
    saved.write_text(signed.replace("\n", "\r\n") + "\n", encoding="utf-8")  # as Notepad saves
    result = verify_with(log, str(saved))
    assert result.exit_code == 0, result.output
    assert "the anchor in anchor.txt" in result.stdout


def test_a_forged_signature_is_refused(log, signed):
    lines = lines_of(signed)
    dash, name, sig = lines[-1].split(" ")
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 1
    lines[-1] = f"{dash} {name} {base64.b64encode(bytes(raw)).decode()}"
    result = verify_with(log, "\n".join(lines) + "\n")
    assert result.exit_code == 1, result.output
    assert "Priya Shah's signature on the signed anchor" in result.stdout
    assert "is forged" in result.stdout


def test_an_anchor_edited_after_signing_is_refused(log, signed):
    """A later date in the text (both its lines agree): the signatures no longer hold."""
    day = parse_note(signed).date
    edited = signed.replace(f":{day}:", ":2030-01-01:")
    result = verify_with(log, edited)
    assert result.exit_code == 1, result.output
    assert "is forged" in result.stdout


def test_a_changed_count_is_refused(log, signed):
    lines = lines_of(signed)
    lines[1] = str(int(lines[1]) - 1)
    result = verify_with(log, "\n".join(lines) + "\n")
    assert result.exit_code != 0
    assert "edited after it was signed" in result.output


def test_a_missing_countersignature_is_refused(log, signed):
    lines = lines_of(signed)
    result = verify_with(log, with_signatures(signed, lines[-2:-1]))
    assert result.exit_code == 1, result.output
    assert (
        "is not countersigned: it carries only Alex Morgan's signature. An anchor is signed "
        "by the manager who takes it and a second, different manager; a signature missing or "
        "made by someone else means it was not taken as infoshare takes anchors."
    ) in " ".join(result.stdout.split())


def test_no_signatures_at_all_is_refused(log, signed):
    result = verify_with(log, signed.split("\n\n")[0] + "\n")
    assert result.exit_code != 0
    assert "signatures are missing" in result.output


def test_the_same_manager_twice_is_not_a_countersignature(log, signed):
    first = lines_of(signed)[-2]
    result = verify_with(log, with_signatures(signed, [first, first]))
    assert result.exit_code == 1, result.output
    assert "is not countersigned" in result.stdout


def test_a_practitioners_signature_does_not_countersign(log, signed):
    """Sam is a practitioner: his real key, his real signature, but not a manager's."""
    lines = lines_of(signed)
    result = verify_with(log, with_signatures(signed, [lines[-2], sign_as(log, SAM, signed)]))
    assert result.exit_code == 1, result.output
    assert "signed by Sam Lee, who was not an active manager" in result.stdout


def test_a_strangers_key_in_a_managers_name_counts_for_nothing(log, signed):
    stranger = crypto.generate_private_key()
    lines = lines_of(signed)
    fake = sign_as(log, PRIYA, signed, private=stranger)
    result = verify_with(log, with_signatures(signed, [lines[-2], fake]))
    assert result.exit_code == 1, result.output
    assert "is not countersigned" in result.stdout
    assert "by keys the log did not have then" in result.stdout


def test_an_anchor_of_another_log_is_named(log, signed):
    lines = lines_of(signed)
    lines[0] = "infoshare-hash-chain/0000000000000000"
    result = verify_with(log, "\n".join(lines) + "\n")
    assert result.exit_code == 1, result.output
    assert "names another log" in result.stdout


def test_a_forged_anchor_with_a_right_text_and_an_insiders_keys_is_refused(log, signed):
    """Both managers' real keys sign a different text: the text they signed is not this."""
    anchor = parse_note(signed)
    other = note_text(anchor, anchor.origin).replace(anchor.hash, anchor.hash[::-1])
    assert other != anchor.signed_text
    result = verify_with(log, with_signatures(other + "\n", lines_of(signed)[-2:]))
    assert result.exit_code != 0


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("--by", ALEX, "--cosigner", ALEX), "", "second, different manager"),
        (("--by", ALEX, "--cosigner", SAM), f"{PASSPHRASES[ALEX]}\n", "Only a manager"),
        (("--by", SAM, "--cosigner", PRIYA), "", "Only a manager"),
        ((), "", "--by NAME"),
        (("--by", ALEX), f"{PASSPHRASES[ALEX]}\n", "--cosigner NAME"),
        (("--by", ALEX, "--cosigner", PRIYA), f"{PASSPHRASES[ALEX]}\nwrong\nwrong\nwrong\n", ""),
    ],
)
def test_anchor_refuses_without_two_managers(log, args, stdin, says):
    result = run_cli(log, "anchor", *args, input=stdin)
    assert result.exit_code != 0, result.output
    assert says in result.output
    assert "infoshare-hash-chain" not in result.stdout


def test_a_countersigned_anchor_checks_an_export_with_its_keys(decided, signed, tmp_path):
    path = write_export(decided[2], tmp_path / "e.json")
    report = verify_export(path, parse_note(signed))
    assert report.ok, [p.message for p in report.problems]
    assert "both signatures hold" in report.anchor_note
    result = run_cli(tmp_path / "no-log", "verify", "--export", path, "--anchor", signed)
    assert result.exit_code == 0, result.output
    # Priya's key swapped in the export: the keys are not the anchor's.
    data = copy.deepcopy(decided[2])
    for key in data["public_keys"]:
        if key["name"] == PRIYA:
            key["public_key"] = crypto.public_key_b64(crypto.generate_private_key())
    report = verify_export(write_export(data, tmp_path / "swapped.json"), parse_note(signed))
    assert not report.ok


def test_anchor_asks_nothing_of_a_log_it_refuses(log):
    """A log whose head fails is refused before anyone types a passphrase."""
    from support.ledger_attacks import Tamper

    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq = 5")
    result = run_cli(log, "anchor", *ANCHOR_BY, input=ANCHOR_PASSPHRASES)
    assert result.exit_code == 1
    assert "cannot be anchored" in result.stderr
    assert "Passphrase" not in result.stderr


def test_a_one_line_anchor_wrapped_by_an_email_still_reads(log, decided, tmp_path):
    line = decided[1]["anchor"]
    wrapped = line[:70] + "\n" + line[70:140] + "\r\n" + line[140:]
    assert verify_with(log, wrapped).exit_code == 0
    saved = tmp_path / "line.txt"
    saved.write_text(wrapped + "\n", encoding="utf-8")
    result = verify_with(log, str(saved))
    assert result.exit_code == 0, result.output
    assert "carries no signatures" in result.stdout
