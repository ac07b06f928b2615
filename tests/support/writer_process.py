"""A separate Python process that appends signed entries to a log: for the crash and
many-writers tests, which kill it or run several at once."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Appends signed entries in a loop; prints "seq hash" once each append has committed.
WRITER = textwrap.dedent(
    """
    import sys, time
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from infoshare_cli.ledger import crypto
    from infoshare_cli.ledger.store import Ledger

    path, actor, go, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sys.stdin.readline().strip()))
    sign = lambda m: crypto.sign(key, m)
    with Ledger.open(path) as ledger:
        print("ready", flush=True)
        deadline = time.monotonic() + 30
        while go != "-" and not __import__("os").path.exists(go):
            if time.monotonic() > deadline:
                sys.exit("never started")
            time.sleep(0.002)
        for i in range(count):
            entry = ledger.append("decision", actor, {"outcome": f"W-{i}", "n": i}, sign)
            print(entry.seq, entry.hash, flush=True)
    """
)


def writer_env() -> dict[str, str]:
    """The environment for a writer process: this checkout of infoshare_cli importable."""
    return dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])
    )
