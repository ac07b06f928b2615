"""Derived data checked against the entries it is worked out from.

infoshare keeps some things beside the signed entries so that reading stays quick however
long the log grows (the list of decisions awaiting co-signature). None of it is signed, so
anyone holding the file could edit it: ``verify`` works each one out again from the
entries and names every difference, and ``infoshare rebuild`` makes it again.
"""

from __future__ import annotations

import sqlite3

from infoshare_cli.integrity.report import Problem
from infoshare_cli.ledger.awaiting import awaiting_problems


def derived_problems(conn: sqlite3.Connection) -> list[Problem]:
    return [Problem("derived", detail) for detail in awaiting_problems(conn)]
