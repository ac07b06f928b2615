"""Making derived data again from the signed entries (``infoshare rebuild``).

What infoshare keeps beside the entries to read them quickly (the decision numbers, the
list of decisions awaiting co-signature, the case index) is worked out from the entries
alone, so it can always be made again; ``verify`` says when it does not match them.
Nothing signed is changed. The case index holds keyed hashes of case references, so
making its tags needs someone who can read (``--as``); without them its rows are made
untagged, which every search for a case opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.integrity.derived import derived_problems
from infoshare_cli.ledger.awaiting import rebuild_awaiting
from infoshare_cli.ledger.case_index import rebuild_case_index, unindexed
from infoshare_cli.ledger.numbering import rebuild_numbers
from infoshare_cli.ledger.sealing import Opener, open_text
from infoshare_cli.ledger.store import Ledger


@dataclass(frozen=True)
class Rebuilt:
    awaiting: int  # decisions awaiting co-signature
    indexed: int  # decisions whose case reference is in the case index
    unindexed: int  # decisions in it without a tag (their content did not open)
    numbered: int = 0  # decisions numbered, 1 to this


def rebuild_derived(ledger: Ledger, opener: Opener | None = None) -> Rebuilt:
    """Make every derived table again from the entries, in one transaction under the write
    lock (another window writing meanwhile waits, and its entries are counted). ``opener``:
    the reader's, inside ``sealing.reading``, to tag the case index."""
    conn = ledger.conn
    keys = opener.keys if opener is not None else None

    def case_ref(seq: int) -> object:
        (text,) = conn.execute("SELECT payload FROM entries WHERE seq = ?", (seq,)).fetchone()
        return open_text(opener, seq, "decision", text).get("case_ref")

    conn.execute("BEGIN IMMEDIATE")
    try:
        awaiting = rebuild_awaiting(conn)
        indexed = rebuild_case_index(conn, keys, case_ref)
        numbered = rebuild_numbers(conn)
        if derived_problems(conn):  # cannot happen unless the rules disagree with themselves
            raise InfoshareError(
                "What was rebuilt still does not match the entries; nothing was changed. "
                f"Run {command('verify')} to check the whole log."
            )
        left = unindexed(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return Rebuilt(awaiting, indexed, left, numbered)
