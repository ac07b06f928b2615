"""Decisions with awkward text, for the tests that hold a fast export writer byte for byte
to its plain reference (tests/test_export.py's CSV, tests/test_export_json_flat.py's JSON).

One decision per text, signed in turn by Sam, Alex and Priya, with the text as the
purpose's reason and, by a fixed pattern, as an answer outside the question set, as the
case reference and in co-signatures' comments and corrections; some decisions revisit the
one before, some are co-signed by their own maker, several times, or with an unknown verdict.
"""

from __future__ import annotations

from collections.abc import Sequence

from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from support.people import ALEX, PRIYA, SAM
from support.reading import append_as
from support.review_log import payload_for


def add_tricky_decisions(
    ledger: Ledger,
    s: dict[str, Signer],
    texts: Sequence[str],
    outcomes: Sequence[str] = ("do_not_share",),
    second_correction: bool = False,
) -> list[int]:
    """Append one decision per text, with its co-signatures and corrections; returns the
    decisions' ids. ``s`` is ``review_log.signers(ledger)``; decision n's outcome is
    ``outcomes[n % len(outcomes)]``; with ``second_correction`` each corrected decision is
    corrected again by Priya, the text as her reason."""
    ids: list[int] = []
    for n, text in enumerate(texts):
        body = payload_for(outcomes[n % len(outcomes)], f"C-{n % 3}")
        body["answers"]["purpose"]["reason"] = text
        if n % 4 == 1:
            body["answers"]["not_in_the_set"] = {"answer": text, "reason": text}
        if n % 5 == 2:
            body["case_ref"] = text
        if n % 6 == 3 and ids:
            body["revisits"] = ids[-1]
        who = (SAM, ALEX, PRIYA)[n % 3]
        ids.append(append_as(ledger, "decision", s[who], body).seq)
        for k, (by, verdict) in enumerate([(who, "agree"), (ALEX, "disagree"), (PRIYA, "x")]):
            if (n + k) % 3 == 0:
                cosign = {"decision": ids[-1], "decision_hash": "h", "verdict": verdict,
                          "comment": text if k else ""}  # fmt: skip
                append_as(ledger, "cosign", s[by], cosign)
        if n % 7 == 4:
            fix = {"decision": ids[-1], "wrong": text, "right": "r", "why": "w"}
            append_as(ledger, "correction", s[ALEX], fix)
            if second_correction:
                append_as(ledger, "correction", s[PRIYA], {**fix, "why": text})
    return ids
