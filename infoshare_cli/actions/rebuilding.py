"""Making derived data again from the signed entries (``infoshare rebuild``).

What infoshare keeps beside the entries to read them quickly (the list of decisions
awaiting co-signature) is worked out from the entries alone, so it can always be made
again; ``verify`` says when it does not match them. Nothing signed is changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.integrity.derived import derived_problems
from infoshare_cli.ledger.awaiting import rebuild_awaiting
from infoshare_cli.ledger.store import Ledger


@dataclass(frozen=True)
class Rebuilt:
    awaiting: int  # decisions awaiting co-signature


def rebuild_derived(ledger: Ledger) -> Rebuilt:
    """Make every derived table again from the entries, in one transaction under the write
    lock (another window writing meanwhile waits, and its entries are counted)."""
    conn = ledger.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        awaiting = rebuild_awaiting(conn)
        if derived_problems(conn):  # cannot happen unless the rules disagree with themselves
            raise InfoshareError(
                "What was rebuilt still does not match the entries; nothing was changed. "
                f"Run {command('verify')} to check the whole log."
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return Rebuilt(awaiting)
