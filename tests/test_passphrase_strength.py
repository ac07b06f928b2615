"""Weak passphrases are refused with a plain reason and an example of a good one."""

from __future__ import annotations

import re

import pytest
from support.ledger_attacks import build_decided_log, copy_log, run_cli
from support.people import PASSPHRASES, PRIYA

from infoshare_cli.domain.passphrases import example_passphrase, strength_problem
from infoshare_cli.ledger.store import Ledger


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("decided") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


@pytest.mark.parametrize("weak", ["password12", "1234567890", "aaaaaaaaaa", "qwertyuiop"])
def test_staff_add_refuses_a_weak_passphrase(log, weak):
    with Ledger.open(log) as ledger:
        before = ledger.count()
    result = run_cli(
        log, "staff", "add", "--name", "Kim Ng", "--role", "practitioner", "--by", PRIYA,
        input="\n".join([PASSPHRASES[PRIYA], weak, weak, weak, weak, weak, weak]) + "\n",
    )  # fmt: skip
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "That passphrase is too easy to guess" in text
    assert "Use several random words that do not belong together, for example" in text
    example = re.search(r'for example "([a-z ]+)"', text).group(1)
    assert len(example.split()) == 4 and strength_problem(example) is None
    with Ledger.open(log) as ledger:
        assert ledger.count() == before  # nobody was registered


def test_a_passphrase_made_of_the_persons_own_name_is_weak():
    assert strength_problem("KimNg12345", about=["Kim Ng"]) is not None


def test_several_random_words_are_strong_and_examples_differ():
    assert strength_problem("copper lantern meadow violin") is None
    assert len({example_passphrase() for _ in range(5)}) == 5


def test_example_words_are_short_plain_keyboard_words():
    """Easy to type on any keyboard and to read out: 4 to 8 letters A-Z, never an accent."""
    words = {w for _ in range(200) for w in example_passphrase().split()}
    assert all(w.isascii() and w.isalpha() and 4 <= len(w) <= 8 for w in words), sorted(
        w for w in words if not (w.isascii() and w.isalpha() and 4 <= len(w) <= 8)
    )


def test_the_test_logs_use_strong_passphrases():
    for passphrase in PASSPHRASES.values():
        assert strength_problem(passphrase) is None


def test_the_persons_name_is_what_makes_a_passphrase_weak():
    """Strong for anyone else: weak only because it is the person's own name run together."""
    assert strength_problem("zorblaxquentavo") is None
    assert strength_problem("zorblaxquentavo", about=["Zorblax Quentavo"]) is not None


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("password12", "This is a very common password"),
        ("qwertyuiop", "This is a top-100 common password"),
        ("aaaaaaaaaa", 'Repeats like "aaa" are easy to guess'),
    ],
)
def test_the_refusal_gives_the_estimators_reason(weak, reason):
    assert strength_problem(weak).startswith(
        f"That passphrase is too easy to guess. {reason}. Someone who copies the log could "
        "try millions of guesses. Use several random words that do not belong together, for "
        'example "'
    )
