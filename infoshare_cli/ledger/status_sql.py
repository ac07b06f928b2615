"""A decision's state in SQL, generated from ``domain.status`` (the one rulebook).

The readers filter by it (``reading.queries``), the schema keeps the list of decisions
awaiting co-signature with it (``ledger.schema`` 0007), and ``verify`` checks that list
against the entries with it. Each expression is about the decision entry aliased ``e``.
A test holds them, the ``decisions`` view and ``domain.status`` together over every
combination (tests/test_status_rule.py).

Co-signatures and corrections are found with ``json_extract(payload, '$.decision') =
+e.seq`` and revisits with ``... '$.revisits') = +e.seq``: the unary + strips the column's
affinity so SQLite uses the log's expression indexes.
"""

from __future__ import annotations

from infoshare_cli.domain.status import AWAITING, ERASED, SUPERSEDED, VERDICT_STATES

# An erasure counts once its co-signature (the next erase entry) confirms it, as
# reading.erasures.erased_decisions reads it.
ERASED_SQL = """EXISTS (SELECT 1 FROM entries x, json_each(x.payload, '$.records') AS r
                     WHERE x.kind = 'erase' AND json_extract(x.payload, '$.action') = 'erase'
                       AND json_extract(r.value, '$.decision') = +e.seq
                       AND EXISTS (SELECT 1 FROM entries y WHERE y.kind = 'erase'
                                   AND json_extract(y.payload, '$.action') = 'confirm'
                                   AND json_extract(y.payload, '$.erase') = x.seq
                                   AND NOT EXISTS (SELECT 1 FROM entries m
                                                   WHERE m.kind = 'erase'
                                                     AND m.seq > x.seq AND m.seq < y.seq)))"""

VERDICTS_SQL = ", ".join(f"'{v}'" for v in VERDICT_STATES)
# The co-signature that stands (domain.status.standing_cosignature); {what} to select.
VALID_COSIGN = f"""
    SELECT {{what}} FROM entries c
    WHERE c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +e.seq
      AND c.actor <> e.actor AND json_extract(c.payload, '$.verdict') IN ({VERDICTS_SQL})
    ORDER BY c.seq DESC LIMIT 1
"""
# The same, read from the co-signature index of schema 0009 (a co-signature's decision,
# signer and verdict), so no co-signature's row is read: for a pass over every decision.
VALID_COSIGN_FROM_INDEX = VALID_COSIGN.replace(
    "FROM entries c", "FROM entries c INDEXED BY entries_cosign_facts", 1
)
VERDICT_STATE_SQL = (
    "CASE json_extract(c.payload, '$.verdict') "
    + " ".join(f"WHEN '{v}' THEN '{s}'" for v, s in VERDICT_STATES.items())
    + " END"
)
SUPERSEDED_SQL = """EXISTS (SELECT 1 FROM entries n WHERE n.kind = 'decision'
                     AND json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq)"""
# domain.status.decision_state: an erasure outranks a revisit, which outranks the co-signature.
STATE_SQL = f"""
    CASE
        WHEN {ERASED_SQL} THEN '{ERASED}'
        WHEN {SUPERSEDED_SQL} THEN '{SUPERSEDED}'
        ELSE COALESCE(({VALID_COSIGN.format(what=VERDICT_STATE_SQL)}), '{AWAITING}')
    END
"""
