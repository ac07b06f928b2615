"""`anchor --out FILE` saves the signed anchor in a private file that `verify --anchor FILE`
accepts; a file that holds no anchor, and the hint's example typed as it is, are named
plainly. Real logs, real files, the real command line."""

from __future__ import annotations

import os
import stat

import pytest
from support.ledger_attacks import (
    ANCHOR_BY,
    ANCHOR_PASSPHRASES,
    build_decided_log,
    copy_log,
    run_cli,
)
from support.people import ALEX, PASSPHRASES


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    path = tmp_path_factory.mktemp("anchor-file") / "log.sqlite3"
    build_decided_log(path)
    return path


@pytest.fixture
def log(decided, tmp_path):
    return copy_log(decided, tmp_path / "log.sqlite3")


def test_anchor_out_saves_exactly_the_signed_anchor_and_verify_accepts_it(log, tmp_path):
    saved = tmp_path / "anchor.txt"
    result = run_cli(log, "anchor", *ANCHOR_BY, "--out", str(saved), input=ANCHOR_PASSPHRASES)
    assert result.exit_code == 0, result.output
    assert saved.read_text(encoding="utf-8") == result.stdout
    assert result.stdout.startswith("infoshare-hash-chain/")
    assert "Passphrase" not in saved.read_text(encoding="utf-8")
    assert f"It is saved in {saved}" in " ".join(result.stderr.split())
    assert "> anchor.txt" not in result.stderr
    if os.name != "nt":
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    checked = run_cli(log, "verify", "--anchor", str(saved))
    assert checked.exit_code == 0, checked.output
    assert "the anchor in anchor.txt" in checked.stdout
    assert "both signatures hold" in checked.stdout


def test_anchor_out_never_replaces_a_file_unless_forced(log, tmp_path):
    saved = tmp_path / "anchor.txt"
    saved.write_text("kept\n", encoding="utf-8")
    result = run_cli(log, "anchor", *ANCHOR_BY, "-o", str(saved), input=ANCHOR_PASSPHRASES)
    assert result.exit_code != 0
    assert "already exists" in result.output and "--force" in result.output
    assert "Passphrase" not in result.stderr  # refused before anyone types a passphrase
    assert saved.read_text(encoding="utf-8") == "kept\n"
    forced = run_cli(
        log, "anchor", *ANCHOR_BY, "--output", str(saved), "--force", input=ANCHOR_PASSPHRASES
    )
    assert forced.exit_code == 0, forced.output
    assert saved.read_text(encoding="utf-8") == forced.stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_without_out_the_hint_suggests_out(log):
    result = run_cli(log, "anchor", *ANCHOR_BY, input=ANCHOR_PASSPHRASES)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert "--out anchor.txt" in said
    assert "> anchor.txt" not in said


def test_a_missing_cosigner_is_asked_for_plainly(log):
    result = run_cli(log, "anchor", "--by", ALEX, input=f"{PASSPHRASES[ALEX]}\n")
    assert result.exit_code != 0
    said = " ".join(result.output.split())
    assert "Give the countersigning manager's name with --cosigner NAME" in said
    assert said.count("--cosigner NAME") == 1


def test_a_file_that_holds_no_anchor_is_named_plainly(log, tmp_path):
    # What `anchor ... > anchor.txt` left at a terminal: the prompts, then the anchor.
    garbled = tmp_path / "anchor.txt"
    garbled.write_text("Passphrase for Alex Morgan: ****\ninfoshare-hash-chain/\n", "utf-8")
    result = run_cli(log, "verify", "--anchor", str(garbled))
    assert result.exit_code != 0
    said = " ".join(result.output.split())
    assert "anchor.txt holds no anchor" in said
    assert "anchor --out FILE" in said and "one-line anchor" in said and "JSONL" in said
    assert "is not an infoshare export" not in said


@pytest.mark.parametrize("typed", ["infoshare-anchor:…", "infoshare-anchor:v2:..."])
def test_the_hints_example_typed_as_it_is_gets_a_plain_message(log, typed):
    result = run_cli(log, "verify", "--anchor", typed)
    assert result.exit_code != 0
    said = " ".join(result.output.split())
    assert "the example from the hint, not a real anchor" in said
    assert "does not know" not in said


def test_verify_without_an_anchor_suggests_the_anchor_file(log):
    result = run_cli(log, "verify")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "verify --anchor anchor.txt" in said
    assert "infoshare-anchor:…" not in said
