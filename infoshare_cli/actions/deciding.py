"""Writing decisions and co-signatures: the log set up, a decision appended with its
co-signature in one transaction, a later co-signature. Every rule is checked again under
the write lock, since another window may have changed the log in the meantime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infoshare_cli.actions.private import append_sealed, new_record, record_of
from infoshare_cli.actions.staff import open_keys, register_first_manager
from infoshare_cli.checklist.loading import is_built_in
from infoshare_cli.domain.decisions import (
    check_case_ref,
    cosign_payload,
)
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.staff import cosigner_problem, current_signer
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.keystore import has_keys
from infoshare_cli.ledger.numbering import number_of
from infoshare_cli.ledger.sealing import reading
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.question_sets import is_stored, questions_payload
from infoshare_cli.reading.records import DecisionRecord, load_decision
from infoshare_cli.reading.register import load_register

NOBODY = "__nobody__"
PassphraseReader = Callable[[str], str]


@dataclass
class Written:
    decision: Entry
    cosign: Entry | None = None
    # Why a co-signature that was started is not there (saved as awaiting co-signature).
    cosign_missing: str = ""
    number: int = 0  # the decision's number, as people name it (1, 2, 3 in the order taken)


# --- setting up ------------------------------------------------------------------------


def setup_log(
    path: Path,
    setting: str,
    manager: str,
    read_passphrase: PassphraseReader,
    new_passphrase: Callable[[PassphraseReader, str], str],
) -> tuple[Ledger, Signer]:
    """Create the log and register the first manager. Nothing is left behind on failure."""
    from infoshare_cli.domain.staff import check_name, check_setting_name

    manager = check_name(manager)
    setting = check_setting_name(setting)  # both before anyone types a passphrase
    passphrase = new_passphrase(read_passphrase, manager)
    ledger = Ledger.create(path)
    try:
        signer = register_first_manager(ledger, manager, passphrase, setting)
    except BaseException:
        ledger.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    return ledger, signer


# --- deciding --------------------------------------------------------------------------


def revisable(
    ledger: Ledger, revisits: int | None, case_ref: str | None = None
) -> DecisionRecord | None:
    """The decision being taken again, if any; refuses one already taken again, or (given
    ``case_ref``) one about another case: it would mark another child's decision superseded."""
    if revisits is None:
        return None
    earlier = load_decision(ledger, revisits)
    if case_ref is not None and _same_case(earlier, case_ref) is False:
        raise InfoshareError(
            f"{earlier.label} is about another case: a decision taken again keeps the "
            "case reference of the one it takes again. Check the decision number and the "
            "case reference. Nothing was written."
        )
    if earlier.revisited_by_numbers:
        later = earlier.revisited_by_numbers[-1]
        raise InfoshareError(
            f"{earlier.label} has already been taken again as decision {later}; use "
            f"--revisits {later}. Nothing was written."
        )
    return earlier


def _same_case(earlier: DecisionRecord, case_ref: str) -> bool | None:
    """Is ``case_ref`` the earlier decision's case (ignoring case and spacing)?"""
    try:
        wanted = check_case_ref(case_ref).casefold()
    except InfoshareError:
        return None  # reported as a problem with the case reference itself
    if not isinstance(earlier.payload.get("case_ref"), str):
        return None  # sealed, and not unlocked here: checked again once it is
    return " ".join(str(earlier.payload.get("case_ref", "")).split()).casefold() == wanted


def write_decision(
    ledger: Ledger,
    decider: Signer,
    payload: dict,
    cosigner: Signer | None,
    verdict: tuple[str, str] | None,
    qset: QuestionSet | None = None,
) -> Written:
    """Append the decision, and its co-signature if there is one, in one transaction.

    ``qset``: the question set the decision was taken under. The first time a set is used,
    its full text is kept in the log (a ``questions`` entry signed by the decider), so that
    the decision can always be shown in its words and its outcome recomputed by ``verify``.
    """
    if qset is not None and payload.get("question_set", {}).get("sha256") != qset.sha256:
        raise InfoshareError("The decision names another question set. Nothing was written.")
    if cosigner is not None:
        problem = cosigner_problem(decider.staff_id, cosigner.member)
        if problem:
            raise InfoshareError(problem)
    if verdict is not None:
        cosign_payload(0, "", *verdict)  # check the verdict before anything is written
    with ledger.batch():
        # Again under the write lock: the checklist took minutes, and another window may
        # have changed the register or taken the same decision again in the meantime.
        register = load_register(ledger)
        current_signer(register, decider)
        if cosigner is not None:
            problem = cosigner_problem(decider.staff_id, current_signer(register, cosigner))
            if problem:
                raise InfoshareError(problem + " Nothing was written.")
        encrypted = has_keys(ledger.conn)
        with reading(ledger.conn, open_keys(ledger, decider) if encrypted else None):
            revisable(ledger, payload.get("revisits"), payload["case_ref"])
        if qset is not None:
            keep_question_set(ledger, qset, decider)
        record = new_record(ledger, decider)
        decision = append_sealed(ledger, "decision", decider, payload, record)
        cosign = None
        if cosigner is not None and verdict is not None:
            if encrypted:
                open_keys(ledger, cosigner)  # the co-signer must hold the keys too
            body = cosign_payload(decision.seq, decision.hash, *verdict)
            cosign = append_sealed(ledger, "cosign", cosigner, body, record)
        number = number_of(ledger.conn, decision.seq) or 0  # numbered by the log's trigger
    return Written(decision, cosign, number=number)


def keep_question_set(ledger: Ledger, qset: QuestionSet, signer: Signer) -> Entry | None:
    """Keep the set's full text in the log, signed by ``signer``, unless it is kept already.

    The sets the tool ships (today's and every earlier version, in checklist/earlier_sets)
    are found by their fingerprint without it; a setting's own file, which may be edited
    or lost, is kept the first time a decision is taken under it."""
    if not qset.text or is_built_in(qset.sha256) or is_stored(ledger, qset.sha256):
        return None
    return ledger.append("questions", signer.staff_id, questions_payload(qset), signer.sign)


def check_cosignable(record: DecisionRecord) -> None:
    """Refuse a decision that was taken again, or that already has its co-signature."""
    if record.revisited_by_numbers:
        raise InfoshareError(
            f"{record.label} has been taken again as decision "
            f"{record.revisited_by_numbers[-1]}; co-sign that one instead. Nothing was written."
        )
    if record.verdict is not None:
        raise InfoshareError(
            f"{record.label} has already been co-signed ({record.status.label()}). "
            "Nothing was written."
        )


def check_decision_verifies(ledger: Ledger, record: DecisionRecord) -> None:
    """Refuse to co-sign a decision that fails the checks ``verify`` makes (its hash, its
    signer, its signature: ``reading.trust``). A manager's real co-signature on a decision
    put into the file by someone else would lend it their name."""
    from infoshare_cli.domain.text import displayable
    from infoshare_cli.reading.records import record_problems

    problem = record_problems(ledger, record).get(record.entry.seq)
    if problem is not None:
        raise InfoshareError(
            f"{record.label} fails the checks {command('verify')} makes, so it cannot "
            f"be co-signed: {displayable(problem)} Nothing was written. Run "
            f"{command('verify')}, and tell your designated safeguarding lead."
        )


def cosign_existing(
    ledger: Ledger,
    record: DecisionRecord,
    cosigner: Signer,
    verdict: str,
    comment: str,
) -> Entry:
    check_cosignable(record)
    check_decision_verifies(ledger, record)
    problem = cosigner_problem(record.entry.actor, cosigner.member)
    if problem:
        raise InfoshareError(problem)
    body = cosign_payload(record.id, record.entry.hash, verdict, comment)
    with ledger.batch():  # another window may have co-signed it, or changed the register
        now = load_decision(ledger, record.id)
        check_cosignable(now)
        check_decision_verifies(ledger, now)
        member = current_signer(load_register(ledger), cosigner)
        problem = cosigner_problem(record.entry.actor, member)
        if problem:
            raise InfoshareError(problem + " Nothing was written.")
        return append_sealed(
            ledger, "cosign", cosigner, body, record_of(ledger, cosigner, record.entry)
        )
