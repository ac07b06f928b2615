"""The first run: setting up the log and its first manager interactively, through the real
prompts (support/prompt_driver.py), wired as `infoshare decide` wires them."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.people import ALEX, PASSPHRASES, PRIYA
from support.prompt_driver import CLOSE, CTRL_C, drive, typed

from infoshare_cli.asking.flows import interactive_setup
from infoshare_cli.asking.prompts import ask_new_passphrase
from infoshare_cli.errors import Cancelled
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register

SET_UP_ALEX = [
    ("Set up the log now", typed("y")),
    ("What is your setting called", typed("Little Acorns")),
    ("Your name", typed(ALEX)),
    (f"New passphrase for {ALEX}", typed(PASSPHRASES[ALEX])),
    ("Type it again", typed(PASSPHRASES[ALEX])),
]


def set_up(path, steps):
    return drive(
        steps, lambda asker: interactive_setup(asker, path, asker.password, ask_new_passphrase)
    )


def managers(path) -> list[str]:
    with Ledger.open(path) as ledger:
        return [m.name for m in load_register(ledger).values() if m.role == "manager"]


def test_the_first_run_sets_up_the_log_and_a_second_manager(tmp_path):
    path = tmp_path / "log.sqlite3"
    steps = SET_UP_ALEX + [
        ("Add another manager now", typed("y")),
        ("Their name", typed(PRIYA)),
        (f"New passphrase for {PRIYA}", typed(PASSPHRASES[PRIYA])),
        ("Type it again", typed(PASSPHRASES[PRIYA])),
        ("Add another manager as well", typed("n")),
    ]
    ledger, asker = set_up(path, steps)
    ledger.close()
    screen = " ".join(asker.screen.split())  # the console wraps long lines
    assert f"{ALEX} is registered as a manager." in screen
    assert f"{PRIYA} is registered as a manager." in screen
    assert managers(path) == [ALEX, PRIYA]
    assert verify_path(path).ok


@pytest.mark.parametrize("interrupt", [CTRL_C, CLOSE], ids=["ctrl-c", "input-closed"])
def test_ctrl_c_after_the_first_run_setup_does_not_claim_nothing_was_written(tmp_path, interrupt):
    path = tmp_path / "log.sqlite3"
    with pytest.raises(Cancelled) as caught:
        set_up(path, SET_UP_ALEX + [("Add another manager now", interrupt)])
    message = caught.value.message
    assert "nothing was written" not in message.lower()
    assert "The log is set up" in message and "no decision was taken" in message
    assert caught.value.exit_code == 130
    assert managers(path) == [ALEX]  # the log and its first manager are kept, and sound
    assert verify_path(path).ok


def test_without_a_path_the_log_lives_in_the_users_data_folder(tmp_path, monkeypatch):
    """docs/admin-guide.md: on Linux ~/.local/share/infoshare/infoshare-log.sqlite3, or under
    $XDG_DATA_HOME; INFOSHARE_DB, when set, names the file instead."""
    from infoshare_cli.ledger.paths import default_db_path

    monkeypatch.delenv("INFOSHARE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "infoshare" / "infoshare-log.sqlite3"
    monkeypatch.setenv("INFOSHARE_DB", "~/logs/ours.sqlite3")
    assert default_db_path() == Path.home() / "logs" / "ours.sqlite3"
