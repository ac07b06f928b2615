"""The screen cannot be rewritten: escape codes and bidi controls in a real log, every command.

A log file edited by hand puts terminal escape sequences and a right-to-left override into a
staff name, a reason and a comment. Every command that shows them must show them harmless
(the one display filter, domain/text.py), and what people type refuses them.
"""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from support.ledger_attacks import (
    Tamper,
    build_decided_log,
    rechain,
    run_cli,
    set_payload,
    signer_for,
    staff_id,
)
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, answers_file_data

from infoshare_cli.domain.text import UNSAFE, displayable, has_control_characters, json_escaped

ESCAPES = "\x1b[2J\x1b[H\x1b[1;32m✓ The log is intact\x1b[0m\x9b2J\x07"
RLO = "\u202e"
FLIPPED = RLO + "erahs t'nod"  # shows as "don't share" where the override is obeyed
NAME = "Sam Lee" + ESCAPES + "\u2066\u200b"


def harmful(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if UNSAFE.match(c)})


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    path = tmp_path_factory.mktemp("poisoned") / "log.sqlite3"
    build_decided_log(path)
    # Insiders who bypass the tool's input checks and sign their own edits: the readers
    # accept the entries (their signatures hold), so only the display filter stands between
    # the text and the screen.
    signers = {staff_id(path, name): signer_for(path, name) for name in (ALEX, PRIYA, SAM)}
    with Tamper(path) as conn:
        set_payload(conn, 4, lambda p: p.update(name=NAME))  # Sam's registration
        set_payload(conn, 9, lambda p: p["answers"]["purpose"].update(reason=FLIPPED + ESCAPES))
        set_payload(conn, 8, lambda p: p.update(comment=ESCAPES + FLIPPED))
        rechain(conn, 4, lambda r: signers[r["actor"]].sign(bytes.fromhex(r["hash"])))
    return path


COMMANDS = [
    ("verify",),
    ("show", "2"),
    ("show", "1"),
    ("show", "2", "--format", "md"),
    ("show", "2", "--format", "html"),
    ("log",),
    ("case", "C-1042"),
    ("stats",),
    ("pending",),
    ("staff", "list", "--all"),
    ("anchor",),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_command_lets_the_log_rewrite_the_screen(poisoned, args):
    result = run_cli(poisoned, *args)
    assert harmful(result.output) == [], result.output
    assert "\ufffd" in result.output or args[0] in ("verify", "anchor", "pending", "stats")


JSON_COMMANDS = [
    ("verify", "--json"),
    ("show", "2", "--json"),
    ("show", "1", "--json"),
    ("log", "--json"),
    ("case", "C-1042", "--json"),
    ("staff", "list", "--all", "--json"),
]


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=" ".join)
def test_json_output_escapes_them_and_keeps_the_data_exact(poisoned, args):
    result = run_cli(poisoned, *args)
    assert harmful(result.stdout) == []
    data = json.loads(result.stdout)
    text = json.dumps(data, ensure_ascii=False)
    if args[0] == "show" and args[1] == "2":
        assert data["answers"]["purpose"]["reason"] == FLIPPED + ESCAPES  # exactly as stored
    elif args[0] == "staff":
        assert "Sam Lee\ufffd" in text  # a name is shown, so it is filtered at the register


def test_a_name_an_insider_signed_is_shown_filtered(tmp_path):
    """A manager can sign a registration the tool would never write, its name holding
    escapes and invisible controls: it verifies, so it is listed, through the filter."""
    from support.ledger_attacks import signer_for
    from support.people import ALEX
    from support.reading import append_as

    from infoshare_cli.ledger import crypto
    from infoshare_cli.ledger.store import Ledger

    path = tmp_path / "log.sqlite3"
    build_decided_log(path)
    alex = signer_for(path, ALEX)
    body = {"action": "register", "staff_id": "s-kim", "name": "Kim" + ESCAPES + RLO,
            "role": "practitioner", "dsl": False, "by": alex.staff_id,
            "public_key": crypto.public_key_b64(crypto.generate_private_key()),
            "sealed_key": {"note": "never unsealed here"}}  # fmt: skip
    with Ledger.open(path) as ledger:
        append_as(ledger, "staff", alex, body)
    listed = run_cli(path, "staff", "list", "--all")
    assert listed.exit_code == 0, listed.output
    assert harmful(listed.output) == [] and "Kim\ufffd" in listed.output
    as_json = run_cli(path, "staff", "list", "--all", "--json")
    assert harmful(as_json.stdout) == []
    assert "Kim\ufffd" in json.dumps(json.loads(as_json.stdout), ensure_ascii=False)


def test_verify_says_the_log_is_broken_not_intact(poisoned):
    result = run_cli(poisoned, "verify")
    assert result.exit_code == 1
    assert "does NOT verify" in result.stdout


def test_what_people_type_refuses_bidi_and_invisible_characters(tmp_path):
    path = tmp_path / "log.sqlite3"
    build_decided_log(path)
    for bad in (FLIPPED, "a\u2066b", "zero\u200bwidth", "soft\u00adhyphen", "line\u2028sep"):
        data = answers_file_data("do_not_share", by=SAM)
        data["answers"]["purpose"]["reason"] = bad
        answers = tmp_path / "answers.json"
        answers.write_text(json.dumps(data))
        result = run_cli(path, "decide", "--answers", answers, input=PASSPHRASES[SAM] + "\n")
        assert result.exit_code == 1, (bad, result.output)
        assert "invisible formatting characters" in result.output
    correction = run_cli(
        path, "correct", "1", "--by", PRIYA, "--wrong", "x", "--right", "y", "--why", FLIPPED,
        input=PASSPHRASES[PRIYA] + "\n",
    )  # fmt: skip
    assert correction.exit_code == 1
    assert "right-to-left overrides" in correction.output


def test_the_filter_covers_every_invisible_format_character():
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cf" or (category == "Cc" and char not in "\t\n\r"):
            assert has_control_characters(char), f"U+{code:04X}"
        if category in ("Zl", "Zp", "Cs"):
            assert has_control_characters(char), f"U+{code:04X}"
    for fine in ("Sam Lee", "Zoë Ødegård", "Ça va", "مرحبا", "שלום", "😀", "tab\tand\nlines"):
        assert not has_control_characters(fine)


def test_json_escaping_is_lossless():
    value = {"reason": FLIPPED + ESCAPES + "\U000e0041\ud800"}
    text = json_escaped(json.dumps(value, ensure_ascii=False))
    assert harmful(text) == []
    assert json.loads(text) == value
    shown = displayable(value)["reason"]
    assert harmful(shown) == []
    assert shown.count("\ufffd") == sum(1 for c in value["reason"] if UNSAFE.match(c))
