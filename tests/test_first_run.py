"""The first run: setting up the log and its first manager interactively."""

from __future__ import annotations

import pytest
from support.people import (
    ALEX,
    PASSPHRASES,
)

from infoshare_cli.asking.flows import interactive_setup
from infoshare_cli.errors import Cancelled
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, EOFError])
def test_ctrl_c_after_the_first_run_setup_does_not_claim_nothing_was_written(tmp_path, interrupt):
    class Asker:
        def say(self, text):
            pass

        def confirm(self, message, default=True):
            if message.startswith("Add another manager"):
                raise interrupt
            return True

        def text(self, message, **kwargs):
            return "Little Acorns" if "setting" in message else ALEX

    path = tmp_path / "log.sqlite3"
    with pytest.raises(Cancelled) as caught:
        interactive_setup(
            Asker(), path, lambda prompt: PASSPHRASES[ALEX], lambda read, who: PASSPHRASES[ALEX]
        )
    message = caught.value.message
    assert "nothing was written" not in message.lower()
    assert "The log is set up" in message and "no decision was taken" in message
    assert caught.value.exit_code == 130
    with Ledger.open(path) as ledger:  # the log and its first manager are kept, and sound
        assert [m.name for m in load_register(ledger).values()] == [ALEX]
    assert verify_path(path).ok
