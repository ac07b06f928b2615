"""Make the golden log, tests/data/golden.db: a small log written by infoshare 0.1.0.

Run once, from the repository root, and commit the result:

    .venv/bin/python tests/support/make_golden_log.py tests/data/golden.db

The file was made this way on 2026-11-29 by the version of that day (migrations
0001_ledger, 0002_search and 0003_no_replace). Do NOT make it again: the point of the
golden log is that it is OLD. tests/test_golden_log.py pins its head hash and every entry's
hash as literal text, and every later version of infoshare must open, show, log, verify and
append to this very file. Running this script again makes a different file (new keys, new
times), and those pins then fail, as they should.

Every kind of entry this version writes is in it, signed with real keys sealed under the
passphrases below (test passphrases, printed in the test suite, not secrets):

     1 staff        Alex Morgan registers herself (first manager)
     2 setting      Little Acorns Nursery
     3 staff        Priya Shah, manager and DSL     4 staff  Sam Lee, practitioner
     5 staff        Jo Baker, manager               6 staff  Jo deactivated
     7 decision     C-1042 share without consent, by Sam;   8 cosign: Priya agrees
     9 decision     C-7 do not share, by Sam, awaiting co-signature
    10 decision     C-1042 seek advice, by Alex;            11 cosign: Priya disagrees
    12 decision     C-1042 share, by Alex, taking #10 again; 13 cosign: Priya agrees
    14 correction   of #7, by Alex
    15 staff        Sam changes his passphrase (a new key)
    16 decision     C-9 do not share, by Sam with his new key, awaiting co-signature
    17 export       a CSV export of every decision, by Alex
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from infoshare_cli.actions.corrections import append_correction  # noqa: E402
from infoshare_cli.actions.exporting import run_export  # noqa: E402
from infoshare_cli.actions.staff import change_passphrase, unlock  # noqa: E402
from infoshare_cli.checklist.loading import load_question_set  # noqa: E402
from infoshare_cli.domain.staff import find_member  # noqa: E402
from infoshare_cli.ledger.store import Ledger  # noqa: E402
from infoshare_cli.reading.filters import make_filters  # noqa: E402
from infoshare_cli.reading.records import load_decision  # noqa: E402
from infoshare_cli.reading.register import load_register  # noqa: E402
from support.people import (  # noqa: E402
    ALEX,
    PRIYA,
    SAM,
    build_staffed_log,
    signer,
)
from support.review_log import decide, payload_for  # noqa: E402

SAM_NEW_PASSPHRASE = "sam passphrase renewed"


def make_golden_log(path: Path) -> None:
    if path.exists():
        sys.exit(f"{path} exists: the golden log is never made again over an old one.")
    build_staffed_log(path)  # entries 1-6
    with Ledger.open(path) as ledger:
        alex, priya, sam = signer(ledger, ALEX), signer(ledger, PRIYA), signer(ledger, SAM)
        seven = decide(
            ledger,
            sam,
            payload_for("share_without_consent", "C-1042"),
            priya,
            ("agree", "Agreed: the bruising meets the threshold."),
        )
        decide(ledger, sam, payload_for("do_not_share", "C-7"))
        ten = decide(
            ledger,
            alex,
            payload_for("seek_advice", "C-1042"),
            priya,
            ("disagree", "We already know enough to decide."),
        )
        decide(ledger, alex, payload_for("share", "C-1042"), priya, ("agree", ""), revisits=ten)
        append_correction(
            ledger,
            load_decision(ledger, seven),
            alex,
            wrong="The date shared was 26 November.",
            right="It was shared on 27 November.",
            why="Typing slip.",
        )
        change_passphrase(ledger, sam, SAM_NEW_PASSPHRASE)
    with Ledger.open(path) as ledger:
        sam = unlock(find_member(load_register(ledger), SAM), SAM_NEW_PASSPHRASE)
        decide(ledger, sam, payload_for("do_not_share", "C-9"))
        export = path.parent / "golden-export.csv"
        run_export(
            ledger,
            signer(ledger, ALEX),
            load_question_set(),
            fmt="csv",
            filters=make_filters(),
            path=export,
        )
        export.unlink()
        assert ledger.count() == 17


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_golden_log.py OUT.db")
    make_golden_log(Path(sys.argv[1]))
