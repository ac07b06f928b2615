"""Reading the private log in tests: who reads, and the passphrase they type.

Every reading command asks who is reading (``--as NAME``) and takes their passphrase from
standard input. Tests about something else read as Alex (the first manager): ``as_reader``
adds ``--as`` and his passphrase line to a reading command that does not name a reader.
Tests about unlocking itself pass ``reader=None`` and see the refusal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from infoshare_cli.actions.staff import open_keys
from infoshare_cli.ledger.sealing import Opener, reading
from infoshare_cli.ledger.store import Ledger
from support.people import ALEX, PASSPHRASES, signer

READING_COMMANDS = ("log", "show", "case", "stats", "pending", "review")
AUTO = "auto"


def as_reader(
    args: Sequence[str], input: str | None, reader: str | None = AUTO
) -> tuple[list[str], str | None]:
    """(argv, stdin) with ``--as READER`` and their passphrase first, for a reading command."""
    argv = [str(a) for a in args]
    command = next((a for a in argv if not a.startswith("-")), None)
    if reader is None or command not in READING_COMMANDS or "--as" in argv:
        return argv, input
    name = ALEX if reader == AUTO else reader
    if "--help" in argv:
        return argv, input
    return [*argv, "--as", name], PASSPHRASES[name] + "\n" + (input or "")


@contextlib.contextmanager
def read_as(ledger: Ledger, name: str = ALEX) -> Iterator[Opener]:
    """Inside the block, the log's sealed content opens as it does for ``name``."""
    with reading(ledger.conn, open_keys(ledger, signer(ledger, name))) as opener:
        yield opener


def sealed_as_the_tool(ledger: Ledger, kind: str, payload: dict, holder=ALEX) -> dict:
    """``payload`` sealed as the tool seals it, by someone who holds the keys (an insider
    forging an entry does the same): a co-signature or correction with its decision's
    record key, anything else with a new record."""
    from infoshare_cli.domain.privacy import PERSONAL_FIELDS
    from infoshare_cli.ledger import keystore
    from infoshare_cli.ledger.sealing import seal_payload

    if kind not in PERSONAL_FIELDS:
        return payload
    keys = open_keys(ledger, signer(ledger, holder) if isinstance(holder, str) else holder)
    target = ledger.get(payload["decision"]) if kind in ("cosign", "correction") else None
    if target is not None and isinstance(target.payload.get("record"), str):
        record = target.payload["record"]
        key = keystore.record_key(ledger.conn, keys, record)
    else:
        record, key = keystore.new_record(ledger.conn, keys)
    return seal_payload(kind, payload, record, key)


def append_as(ledger: Ledger, kind: str, who, payload: dict):
    """Append ``payload`` signed by ``who`` (a Signer), sealed as the tool seals it."""
    return ledger.append(
        kind, who.staff_id, sealed_as_the_tool(ledger, kind, payload, who), who.sign
    )
