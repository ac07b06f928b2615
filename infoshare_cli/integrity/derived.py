"""Derived data checked against the entries it is worked out from.

infoshare keeps some things beside the signed entries so that reading stays quick however
long the log grows (the decision numbers, the list of decisions awaiting co-signature,
the case index). None of it is signed, so anyone holding the file could edit it:
``verify`` works each one out again from the entries and names every difference, and
``infoshare rebuild`` makes it again.
"""

from __future__ import annotations

import sqlite3

from infoshare_cli.integrity.report import Problem
from infoshare_cli.ledger.awaiting import awaiting_problems
from infoshare_cli.ledger.case_index import index_problems
from infoshare_cli.ledger.numbering import number_problems


def derived_problems(conn: sqlite3.Connection) -> list[Problem]:
    """Every difference, without a key (whether each case-index tag is the hash of its
    decision's case reference needs one: ``verify --as``, ``integrity.content``)."""
    numbers = [f"the decision numbers do not match the entries: {d}" for d in number_problems(conn)]
    details = numbers + awaiting_problems(conn) + index_problems(conn)
    return [Problem("derived", detail) for detail in details]
