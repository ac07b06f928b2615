"""`infoshare export --encrypt` and `--recipient`: files in the standard age format that the
ordinary `age` tool opens, still logged with the SHA-256 of the file as written; and the
warning a plain export gives.

The `age` tool comes from Debian's `age` package (`.ci/run` installs it). Where it is not
installed, the tests marked ``needs_age`` are skipped and each file is still opened with
pyrage's own decrypt (the same age library the export uses), in the tests below that
say so.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import subprocess
import threading

import pyrage
import pytest
from support.people import ALEX, PASSPHRASES
from support.review_log import SCRIPT

from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.age_files import AGE_MAGIC, AgeSeal, check_recipients, sealed

AGE = shutil.which("age")
needs_age = pytest.mark.skipif(
    AGE is None, reason="the age tool is not installed (.ci/run installs Debian's age package)"
)
OWN = PASSPHRASES[ALEX]
FILE_PASS = "blue kettle on the windowsill"
DISTINCTIVE = ("C-1042", SCRIPT, "Children's Social Care front door")


@pytest.fixture
def log(built_review_log):
    return built_review_log[0].path


@pytest.fixture
def age_key(tmp_path):
    """A reader's age key pair: (identity, public key)."""
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "reader-key.txt"
    key_file.write_text(str(identity) + "\n", encoding="utf-8")
    return identity, str(identity.to_public()), key_file


def export(cli, log, out, *args, input):
    return cli("export", "--by", ALEX, "--out", out, *args, input=input, db=log)


def logged_exports(cli, log):
    result = cli("log", "--exports", "--json", db=log)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_sealed(path, result, entry, kind):
    """The file is an age file, owner-only, holds nothing readable, and the log has its hash."""
    data = path.read_bytes()
    assert data.startswith(AGE_MAGIC)
    for text in DISTINCTIVE:
        assert text.encode() not in data
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    digest = hashlib.sha256(data).hexdigest()
    assert digest in result.stdout
    assert entry["sha256"] == digest and entry["encrypted"] == kind
    assert entry["file"] == path.name
    assert not list(path.parent.glob(".*.partial"))


def test_an_export_for_an_age_key_streams_and_the_readers_key_opens_it(cli, log, tmp_path, age_key):
    """Opened with pyrage's own decrypt here; the age tool opens the same in the next test."""
    identity, public, _ = age_key
    out = tmp_path / "for-social-care.json.age"
    result = export(cli, log, out, "--format", "json", "--recipient", public, input=OWN + "\n")
    assert result.exit_code == 0, result.output
    [entry] = logged_exports(cli, log)
    assert_sealed(out, result, entry, "age-keys")
    opened = json.loads(pyrage.decrypt(out.read_bytes(), [identity]))
    assert opened["count"] == 5 and opened["exported_by"] == ALEX
    assert "age -d -i THEIR-KEY-FILE -o for-social-care.json for-social-care.json.age" in (
        result.stdout
    )
    assert "in the clear" not in result.output
    # The opened file is an ordinary export: it checks out on its own.
    plain = tmp_path / "opened.json"
    plain.write_bytes(pyrage.decrypt(out.read_bytes(), [identity]))
    assert cli("verify", "--export", plain, db=log).exit_code == 0
    # And the log that recorded it still verifies.
    assert cli("verify", db=log).exit_code == 0


@needs_age
def test_the_age_tool_opens_an_export_for_several_keys(cli, log, tmp_path, age_key):
    _, public, key_file = age_key
    other = str(pyrage.x25519.Identity.generate().to_public())
    out = tmp_path / "e.csv.age"
    result = export(cli, log, out, "--recipient", other, "--recipient", public, input=OWN + "\n")
    assert result.exit_code == 0, result.output
    assert "for 2 age keys" in result.stdout
    opened = subprocess.run(
        [AGE, "-d", "-i", str(key_file), str(out)], capture_output=True, check=True
    ).stdout
    assert opened.decode("utf-8").startswith('"Decision","Recorded (UTC)"')
    assert b"C-1042" in opened


def test_an_export_with_a_passphrase_asks_it_twice_and_opens_with_it(cli, log, tmp_path):
    """Passphrases as stdin lines (not a terminal): the exporter's own, then the file's
    twice. Opened with pyrage's own decrypt here; with the age tool in a terminal in
    tests/test_e2e_pty.py."""
    out = tmp_path / "e.jsonl.age"
    lines = f"{OWN}\n{FILE_PASS}\n{FILE_PASS}\n"
    result = export(cli, log, out, "--format", "jsonl", "--encrypt", input=lines)
    assert result.exit_code == 0, result.output
    assert "New passphrase for the export file" in result.output
    assert FILE_PASS not in result.output
    [entry] = logged_exports(cli, log)
    assert_sealed(out, result, entry, "passphrase")
    text = pyrage.passphrase.decrypt(out.read_bytes(), FILE_PASS).decode("utf-8")
    assert json.loads(text.splitlines()[0])["type"] == "header"
    assert "C-1042" in text
    assert "age -d -o e.jsonl e.jsonl.age" in result.stdout
    with pytest.raises(pyrage.DecryptError):
        pyrage.passphrase.decrypt(out.read_bytes(), OWN)


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ("short\n" * 3, "at least 10 characters"),
        (f"{FILE_PASS}\nsomething else\n" * 3, "were not the same"),
        (f"{OWN}\n" * 3, "different passphrase from your own"),
    ],
    ids=["too-short", "not-the-same", "the-exporters-own"],
)
def test_a_file_passphrase_that_will_not_do_exports_nothing(cli, log, tmp_path, lines, problem):
    out = tmp_path / "e.csv.age"
    result = export(cli, log, out, "--encrypt", input=OWN + "\n" + lines)
    assert result.exit_code == 1
    assert problem in result.output and "Nothing was written" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.glob(".*.partial"))
    assert logged_exports(cli, log) == []


def test_a_wrong_age_key_is_refused_before_any_passphrase(cli, log, tmp_path, age_key):
    _, public, _ = age_key
    out = tmp_path / "e.csv.age"
    for bad in ("age1notakey", public[:-3], "ssh-rsa AAAA", ""):
        result = export(cli, log, out, "--recipient", public, "--recipient", bad, input="")
        assert result.exit_code == 1, result.output
        assert "is not an age public key" in result.output
        assert "Passphrase for" not in result.output
    assert not out.exists() and logged_exports(cli, log) == []


def test_the_default_name_of_a_sealed_export_ends_in_age(cli, log, tmp_path, age_key, monkeypatch):
    _, public, _ = age_key
    monkeypatch.chdir(tmp_path)
    result = cli("export", "--by", ALEX, "--recipient", public, input=OWN + "\n", db=log)
    assert result.exit_code == 0, result.output
    [made] = tmp_path.glob("*.csv.age")
    assert made.name.startswith("little-acorns-nursery-decisions-")
    assert str(made.absolute()) in result.stdout


def test_a_plain_export_warns_it_is_in_the_clear_and_says_where(cli, log, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = export(cli, log, "plain.csv", input=OWN + "\n")
    assert result.exit_code == 0, result.output
    where = str((tmp_path / "plain.csv").absolute())
    assert where in result.stdout
    warning = " ".join(result.stderr.split())
    assert "personal data about children in the clear" in warning
    assert where in warning and "--encrypt" in warning
    [entry] = logged_exports(cli, log)
    assert entry["encrypted"] is None


def test_a_sealed_export_is_checked_by_its_manifest_without_opening_it(cli, log, tmp_path, age_key):
    identity, public, _ = age_key
    out = tmp_path / "e.json.age"
    assert (
        export(cli, log, out, "-f", "json", "--recipient", public, input=OWN + "\n").exit_code == 0
    )
    manifest_path = tmp_path / "e.json.age.manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["encrypted"] == "age-keys" and manifest["export_format"] == "json"
    for text in DISTINCTIVE:  # the manifest beside a locked file says nothing about a child
        assert text not in manifest_path.read_text(encoding="utf-8")
    result = cli("verify", "--export", out, db=log)
    assert result.exit_code == 0, result.output
    assert "exactly as Alex Morgan exported it" in result.stdout
    assert "without opening it" in result.stdout
    # Opened, the JSON checks by its own signatures, and against the manifest's content hash.
    opened = tmp_path / "opened.json"
    opened.write_bytes(pyrage.decrypt(out.read_bytes(), [identity]))
    result = cli("verify", "--export", opened, "--manifest", manifest_path, db=log)
    assert result.exit_code == 0, result.output
    assert "Signed as a whole by Alex Morgan" in result.stdout
    assert "exactly as the age tool opened it" in result.stdout
    # Without its manifest, a locked file cannot be checked: it says to open it first.
    manifest_path.unlink()
    result = cli("verify", "--export", out, db=log)
    assert result.exit_code != 0
    assert "is encrypted (age format)" in result.output and "age -d" in result.output
    assert "Traceback" not in result.output


def test_a_sealed_export_s_manifest_withholds_the_case_it_was_filtered_by(
    cli, log, tmp_path, age_key
):
    _, public, _ = age_key
    out = tmp_path / "c.csv.age"
    args = ("--case", "C-1042", "--search", "front door", "--recipient", public)
    assert export(cli, log, out, *args, input=OWN + "\n").exit_code == 0
    text = (tmp_path / "c.csv.age.manifest.json").read_text(encoding="utf-8")
    assert "C-1042" not in text and "front door" not in text
    filters = json.loads(text)["filters"]
    assert filters["case"] == filters["search"] == "(withheld: the export is encrypted)"
    assert cli("verify", "--export", out, db=log).exit_code == 0


def test_log_exports_marks_the_encrypted_ones(cli, log, tmp_path, age_key, monkeypatch):
    _, public, _ = age_key
    monkeypatch.setenv("COLUMNS", "200")
    assert export(cli, log, tmp_path / "a.csv", input=OWN + "\n").exit_code == 0
    sealed_out = tmp_path / "b.csv.age"
    assert export(cli, log, sealed_out, "--recipient", public, input=OWN + "\n").exit_code == 0
    screen = cli("log", "--exports", db=log).stdout
    assert "b.csv.age (encrypted)" in screen
    assert "a.csv (encrypted)" not in screen and "a.csv" in screen


# --- the sealing itself ---------------------------------------------------------------------


def test_a_seal_never_shows_its_passphrase():
    seal = AgeSeal(passphrase=FILE_PASS)
    assert FILE_PASS not in repr(seal) and FILE_PASS not in str(seal)
    with pytest.raises(ValueError):
        AgeSeal()


def test_check_recipients_drops_repeats_and_spaces(age_key):
    _, public, _ = age_key
    assert check_recipients([public, f"  {public} "]) == (public,)
    with pytest.raises(InfoshareError):
        check_recipients(["AGE-SECRET-KEY-1QQQ"])


def test_a_failure_inside_a_streaming_export_stops_the_encrypting_thread(tmp_path, age_key):
    _, public, _ = age_key
    before = threading.active_count()
    with (
        open(tmp_path / "x.age", "wb") as out,
        pytest.raises(RuntimeError, match="the export"),
        sealed(out, AgeSeal(recipients=(public,))) as body,
    ):
        body.write(b"x" * 300_000)
        raise RuntimeError("the export failed half way")
    assert threading.active_count() == before


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_full_disk_while_encrypting_is_the_write_s_own_error(age_key):
    """/dev/full is a real device that answers every write with 'no space left': the
    error is raised as itself, as an unencrypted export's failed write is (the command
    says "No space left on device.": tests/test_age_write_failures.py)."""
    _, public, _ = age_key
    before = threading.active_count()
    with (
        open("/dev/full", "wb", buffering=0) as out,
        pytest.raises(OSError) as caught,
        sealed(out, AgeSeal(recipients=(public,))) as body,
    ):
        for _ in range(64):
            body.write(b"y" * 65536)
    assert caught.value.errno == errno.ENOSPC
    assert threading.active_count() == before


def test_a_long_recipient_that_is_not_a_key_is_named_shortened():
    """The refusal names what was given, cut to 67 characters: it may be a whole line."""
    bad = "age1" + "x" * 100
    with pytest.raises(InfoshareError) as refused:
        check_recipients([bad])
    assert refused.value.message == (
        f"--recipient: '{bad[:67]}...' is not an age public key. An age public key starts "
        "with age1 and is about 60 letters and digits long: ask the reader for the public key "
        "line that `age-keygen` printed for them."
    )


@pytest.mark.parametrize("size", [100, 20_000], ids=["short", "over-a-chunk"])
def test_a_file_that_cannot_be_written_while_encrypting_is_refused_not_half_made(tmp_path, size):
    """The encrypting thread cannot write the file (here one opened only for reading): the
    export stops with the file's own error instead of ending as if the file were complete,
    a short file too (whose only write pyrage makes as it finishes, and does not report)."""
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    target = tmp_path / "export.json.age"
    target.write_bytes(b"")
    seal = AgeSeal(recipients=(recipient,))
    with (
        open(target, "rb") as unwritable,
        pytest.raises(OSError, match="write"),
        sealed(unwritable, seal) as out,
    ):
        out.write(b'{"decisions": []}' * size)
