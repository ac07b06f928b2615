"""The steps of `decide`, `init` and `cosign`: who is deciding, the wizard, the co-signature.

These functions take an asker (terminal prompts, or pipe input in tests), a passphrase
reader and an open log; they hold no SQL and print only through the asker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infoshare_cli.decisions import (
    CASE_REF_HELP,
    Draft,
    check_case_ref,
    cosign_payload,
    decision_payload,
)
from infoshare_cli.errors import Cancelled, InfoshareError
from infoshare_cli.log import Entry, Ledger
from infoshare_cli.questions import QuestionSet
from infoshare_cli.records import DecisionRecord, load_decision
from infoshare_cli.staff import (
    Signer,
    StaffMember,
    add_member,
    cosigner_problem,
    current_signer,
    load_register,
    register_first_manager,
    unlock_with_attempts,
)
from infoshare_cli.wizard import run_wizard

NOBODY = "__nobody__"
PassphraseReader = Callable[[str], str]


@dataclass
class Written:
    decision: Entry
    cosign: Entry | None = None


# --- setting up ------------------------------------------------------------------------


def setup_log(
    path: Path,
    setting: str,
    manager: str,
    read_passphrase: PassphraseReader,
    new_passphrase: Callable[[PassphraseReader, str], str],
) -> tuple[Ledger, Signer]:
    """Create the log and register the first manager. Nothing is left behind on failure."""
    from infoshare_cli.staff import check_name, check_setting_name

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


def interactive_setup(asker, path: Path, read_passphrase, new_passphrase) -> Ledger:
    """First run: offer to create the log, register the first manager, maybe a second."""
    asker.say(
        f"\nThere is no infoshare log on this computer yet (looked for {path}).\n"
        "Setting one up takes a minute: the name of your setting, and you as its first "
        "manager with a passphrase only you know."
    )
    if not asker.confirm("Set up the log now?", default=True):
        raise InfoshareError(
            "No log was set up. Run `infoshare init` when you are ready.", exit_code=1
        )
    setting = asker.text("What is your setting called?", help="For example: Little Acorns Nursery.")
    manager = asker.text(
        "Your name (you will be the first manager)?",
        help="As colleagues know you; it is shown on every record you sign.",
    )
    ledger, signer = setup_log(path, setting, manager, read_passphrase, new_passphrase)
    asker.say(f"The log is ready at {path}. {signer.member.name} is registered as a manager.")
    offer_second_manager(asker, ledger, signer, read_passphrase, new_passphrase)
    return ledger


def offer_second_manager(asker, ledger: Ledger, signer: Signer, read_passphrase, new_passphrase):
    asker.say(
        "Every decision is co-signed by a second manager: the decision should never be made "
        "as an individual."
    )
    try:
        while asker.confirm("Add another manager now? They co-sign decisions.", default=True):
            name = asker.text("Their name?", help="They will type their own passphrase next.")
            passphrase = new_passphrase(read_passphrase, name)
            member = add_member(ledger, signer, name, "manager", passphrase)
            asker.say(f"{member.name} is registered as a manager.")
            if not asker.confirm("Add someone else?", default=False):
                break
    except (KeyboardInterrupt, EOFError):
        # The log exists by now: "nothing was written" would not be true.
        raise Cancelled(
            "Stopped. The log is set up and the managers registered so far are kept; no "
            "decision was taken. Add a manager with `infoshare staff add`, or run "
            "`infoshare decide` when you are ready."
        ) from None


# --- who is deciding -------------------------------------------------------------------


def pick_person(asker, people: list[StaffMember], message: str, help: str, extra=()) -> str:
    choices = [(m.staff_id, m.description) for m in people] + list(extra)
    return asker.select(message, choices, help=help)


def identify_decider(asker, ledger: Ledger, read_passphrase: PassphraseReader) -> Signer:
    register = load_register(ledger)
    active = [m for m in register.values() if m.active]
    staff_id = pick_person(
        asker,
        active,
        "Who is taking this decision?",
        "Pick your own name. You will sign the decision with your passphrase.",
    )
    return unlock_with_attempts(register[staff_id], read_passphrase)


def ask_case_ref(asker, default: str = "") -> str:
    while True:
        value = asker.text("Case reference for the child?", help=CASE_REF_HELP, default=default)
        try:
            return check_case_ref(value)
        except InfoshareError as exc:
            asker.say(exc.message)


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
            f"Decision #{revisits} is about another case: a decision taken again keeps the "
            "case reference of the one it takes again. Check the id and the case reference. "
            "Nothing was written."
        )
    if earlier.revisited_by:
        raise InfoshareError(
            f"Decision #{revisits} has already been taken again as "
            f"#{earlier.revisited_by[-1]}; use --revisits {earlier.revisited_by[-1]}. "
            "Nothing was written."
        )
    return earlier


def _same_case(earlier: DecisionRecord, case_ref: str) -> bool | None:
    """Is ``case_ref`` the earlier decision's case (ignoring case and spacing)?"""
    try:
        wanted = check_case_ref(case_ref).casefold()
    except InfoshareError:
        return None  # reported as a problem with the case reference itself
    return " ".join(str(earlier.payload.get("case_ref", "")).split()).casefold() == wanted


def interactive_decision(
    asker,
    ledger: Ledger,
    qset: QuestionSet,
    read_passphrase: PassphraseReader,
    revisits: int | None = None,
) -> Written:
    """The whole interactive `decide`: decider, case, wizard, co-signature, one write."""
    earlier = revisable(ledger, revisits)
    decider = identify_decider(asker, ledger, read_passphrase)
    if earlier is not None:  # the same case as the decision taken again, not asked
        case_ref = check_case_ref(earlier.payload.get("case_ref", ""))
        asker.say(f"Taking decision #{earlier.id} again, for case {case_ref}.")
    else:
        case_ref = ask_case_ref(asker)
    draft = Draft(case_ref, decider.staff_id, revisits=revisits)
    run_wizard(qset, draft, asker)
    payload = decision_payload(qset, draft)
    cosigner = choose_cosigner(asker, ledger, decider.staff_id, read_passphrase)
    verdict = ask_verdict(asker, qset, payload) if cosigner else None
    return write_decision(ledger, decider, payload, cosigner, verdict)


def choose_cosigner(
    asker, ledger: Ledger, decider_id: str, read_passphrase: PassphraseReader
) -> Signer | None:
    register = load_register(ledger)
    eligible = [m for m in register.values() if cosigner_problem(decider_id, m) is None]
    help_text = (
        "The decision should never be made as an individual: a second manager reads the "
        "record and co-signs it with their own passphrase."
    )
    if not eligible:
        asker.say(
            "No other manager is registered, so nobody can co-sign yet. The decision will be "
            "saved as awaiting co-signature. Add a manager with `infoshare staff add`."
        )
        return None
    staff_id = pick_person(
        asker,
        eligible,
        "Co-signature: which manager is co-signing?",
        help_text,
        extra=[(NOBODY, "No manager is here now: save it as awaiting co-signature")],
    )
    if staff_id == NOBODY:
        return None
    return unlock_with_attempts(register[staff_id], read_passphrase)


def ask_verdict(asker, qset: QuestionSet, payload: dict) -> tuple[str, str]:
    from infoshare_cli.views import answers_table, outcome_panel

    asker.say(answers_table(qset, payload["answers"], payload.get("outcome_record")))
    asker.say(outcome_panel(qset, payload))
    verdict = asker.select(
        "Do you agree with this decision?",
        [("agree", "I agree"), ("disagree", "I do not agree")],
        help="Read the record above. If you do not agree, say why: the practitioner can "
        "then take the decision again.",
    )
    if verdict == "disagree":
        comment = asker.text("Your comment (why you do not agree)", kind="reason")
    else:  # optional: Enter for none ("-" is still taken to mean none)
        comment = asker.text("Your comment (optional)", kind="optional")
    if verdict == "agree" and comment.strip() == "-":
        return verdict, ""  # a disagreement keeps its comment: it needs one
    return verdict, comment


def write_decision(
    ledger: Ledger,
    decider: Signer,
    payload: dict,
    cosigner: Signer | None,
    verdict: tuple[str, str] | None,
) -> Written:
    """Append the decision, and its co-signature if there is one, in one transaction."""
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
        revisable(ledger, payload.get("revisits"), payload["case_ref"])
        decision = ledger.append("decision", decider.staff_id, payload, decider.sign)
        cosign = None
        if cosigner is not None and verdict is not None:
            body = cosign_payload(decision.seq, decision.hash, *verdict)
            cosign = ledger.append("cosign", cosigner.staff_id, body, cosigner.sign)
    return Written(decision, cosign)


def check_cosignable(record: DecisionRecord) -> None:
    """Refuse a decision that was taken again, or that already has its co-signature."""
    if record.revisited_by:
        raise InfoshareError(
            f"Decision #{record.id} has been taken again as #{record.revisited_by[-1]}; "
            "co-sign that one instead. Nothing was written."
        )
    if record.verdict is not None:
        raise InfoshareError(
            f"Decision #{record.id} has already been co-signed ({record.status}). "
            "Nothing was written."
        )


def cosign_existing(
    ledger: Ledger,
    record: DecisionRecord,
    cosigner: Signer,
    verdict: str,
    comment: str,
) -> Entry:
    check_cosignable(record)
    problem = cosigner_problem(record.entry.actor, cosigner.member)
    if problem:
        raise InfoshareError(problem)
    body = cosign_payload(record.id, record.entry.hash, verdict, comment)
    with ledger.batch():  # another window may have co-signed it, or changed the register
        check_cosignable(load_decision(ledger, record.id))
        member = current_signer(load_register(ledger), cosigner)
        problem = cosigner_problem(record.entry.actor, member)
        if problem:
            raise InfoshareError(problem + " Nothing was written.")
        return ledger.append("cosign", cosigner.staff_id, body, cosigner.sign)
