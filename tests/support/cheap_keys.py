"""Tests seal signing keys with a cheap Argon2id cost, so that the suite stays fast.

The tool seals every key with RFC 9106's second recommended cost (64 MiB, 3 passes:
~0.15-0.4 s per unlock on a 2-core machine), and the suite unlocks thousands of times.
Nothing a user can set changes that cost (no option, no environment variable): the tests
change ``crypto.SEALING_COST`` itself, in the test process (tests/conftest.py) and, through
``site/sitecustomize.py`` on the PYTHONPATH the tests export, in every Python process they
start. Keys sealed this cheaply are then not "weaker than the cost in force", so they are
not sealed again at each unlock; tests/test_reseal.py puts the real cost back and checks
the real cost and the reseal on unlock.
"""

from __future__ import annotations

from pathlib import Path

# m=1 MiB, 1 pass, 1 lane: about a millisecond.
TEST_COST = (1024, 1, 1)
SITE = Path(__file__).resolve().parent / "site"


def use_cheap_keys() -> None:
    from infoshare_cli.ledger import crypto

    crypto.SEALING_COST = crypto.KdfCost(*TEST_COST)
