"""The interactive steps of `decide`, `init` and `cosign`: set-up, who is deciding, the co-signer.

They take an asker (terminal prompts, or pipe input in tests) and a passphrase reader, and
print only through the asker.
"""

from __future__ import annotations

from pathlib import Path

from infoshare_cli.actions.deciding import (
    NOBODY,
    PassphraseReader,
    Written,
    revisable,
    setup_log,
    write_decision,
)
from infoshare_cli.actions.staff import add_member, check_new_name, unlock_with_attempts
from infoshare_cli.asking.reader import reading_with
from infoshare_cli.asking.wizard import run_wizard
from infoshare_cli.domain.decisions import (
    CASE_REF_HELP,
    Draft,
    check_case_ref,
    decision_payload,
    looks_like_a_name,
)
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.staff import MAX_PASSPHRASE_ATTEMPTS, StaffMember, cosigner_problem
from infoshare_cli.errors import Cancelled, InfoshareError, WrongPassphrase
from infoshare_cli.hints import command
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register

# Why a decision its maker signed is saved as awaiting co-signature (the box says so).
COSIGNER_WRONG = f"the co-signer's passphrase was wrong {MAX_PASSPHRASE_ATTEMPTS} times"
COSIGN_STOPPED = "the co-signature was stopped before it was finished"


def interactive_setup(asker, path: Path, read_passphrase, new_passphrase) -> Ledger:
    """First run: offer to create the log, register the first manager, maybe a second."""
    asker.say(
        f"\nThere is no infoshare log on this computer yet (looked for {path}).\n"
        "Setting one up takes a minute: the name of your setting, and you as its first "
        "manager with a passphrase only you know."
    )
    if not asker.confirm("Set up the log now?", default=True):
        raise InfoshareError(
            f"No log was set up. Run {command('init')} when you are ready.", exit_code=1
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
        wanted = asker.confirm("Add another manager now? They co-sign decisions.", default=True)
        while wanted:
            ask_new_manager(asker, ledger, signer, read_passphrase, new_passphrase)
            wanted = asker.confirm("Add another manager as well?", default=False)
    except (KeyboardInterrupt, EOFError):
        # The log exists by now: "nothing was written" would not be true.
        raise Cancelled(
            "Stopped. The log is set up and the managers registered so far are kept; no "
            f"decision was taken. Add a manager with {command('staff add')}, or run "
            f"{command('decide')} when you are ready."
        ) from None


def ask_new_manager(asker, ledger: Ledger, by: Signer, read_passphrase, new_passphrase):
    """Register a manager, signed by ``by``; a name already taken is asked for again."""
    register = load_register(ledger)
    while True:
        name = asker.text("Their name?", help="They will type their own passphrase next.")
        try:
            name = check_new_name(register, name)
            break
        except InfoshareError as exc:
            asker.say(exc.message)
    passphrase = new_passphrase(read_passphrase, name)
    member = add_member(ledger, by, name, "manager", passphrase)
    asker.say(f"{member.name} is registered as a manager.")
    return member


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
    return unlock_with_attempts(register[staff_id], read_passphrase, ledger=ledger)


def earlier_verdicts(ledger: Ledger, earlier) -> str:
    """What the co-signer said about the decision being taken again, to read first."""
    from infoshare_cli.domain.text import displayable

    names = {sid: m.name for sid, m in load_register(ledger).items()}
    lines = []
    for cosign in earlier.cosigns:
        body = displayable(dict(cosign.payload))
        word = "agreed" if body.get("verdict") == "agree" else "did NOT agree"
        line = f"{names.get(cosign.actor, 'The co-signer')} {word} with decision {earlier.number}"
        comment = str(body.get("comment") or "").strip()
        lines.append(line + (f": “{comment}”" if comment else "."))
    if not lines:
        return ""
    return "Before you start, what the co-signer said:\n" + "\n".join(lines)


URGENT_FIRST = (
    "If a child is in immediate danger right now, call 999 (or the police) first. This "
    "record can wait until the child is safe."
)
NAME_WARNING = (
    "That looks like a person's name. The log can never be edited, so a name typed here "
    "stays in it for good. Use your setting's case reference for the child (for example "
    "C-1042) instead."
)


def ask_case_ref(asker, default: str = "") -> str:
    while True:
        value = asker.text("Case reference for the child?", help=CASE_REF_HELP, default=default)
        try:
            case_ref = check_case_ref(value)
        except InfoshareError as exc:
            asker.say(exc.message)
            continue
        if not looks_like_a_name(case_ref):
            return case_ref
        asker.say(NAME_WARNING)
        keep = asker.select(
            "Is it a case reference, not a name?",
            [
                ("retype", "Type the case reference again"),
                ("keep", "Keep it: it is our case reference, not a person's name"),
            ],
        )
        if keep == "keep":
            return case_ref


def interactive_decision(
    asker,
    ledger: Ledger,
    qset: QuestionSet,
    read_passphrase: PassphraseReader,
    revisits: int | None = None,
    new_passphrase=None,
) -> Written:
    """The whole interactive `decide`: decider, case, wizard, co-signature, one write."""
    revisable(ledger, revisits)  # refused before anyone types a passphrase
    asker.say(URGENT_FIRST)
    decider = identify_decider(asker, ledger, read_passphrase)
    check_cosigners_before(asker, ledger, decider, read_passphrase, new_passphrase)
    with reading_with(ledger, decider):  # the earlier decision opens for the decider
        earlier = revisable(ledger, revisits)
        if earlier is not None:
            earlier.open_all()
    if earlier is not None:  # the same case as the decision taken again, not asked
        case_ref = check_case_ref(earlier.payload.get("case_ref", ""))
        asker.say(f"Taking decision {earlier.number} again, for case {case_ref}.")
        why_again = earlier_verdicts(ledger, earlier)
        if why_again:
            note = getattr(asker, "note", None)
            (note or asker.say)(why_again)
    else:
        case_ref = ask_case_ref(asker)
    draft = Draft(case_ref, decider.staff_id, revisits=revisits)
    run_wizard(qset, draft, asker)
    payload = decision_payload(qset, draft)
    # From here the record is complete and its maker has proved who they are: whatever
    # happens at the co-signature (wrong passphrases, Ctrl-C, the co-signer called away),
    # the decision is saved, as awaiting co-signature.
    try:
        cosigner = choose_cosigner(asker, ledger, decider.staff_id, read_passphrase)
        verdict = ask_verdict(asker, qset, payload) if cosigner else None
    except WrongPassphrase:
        missing = COSIGNER_WRONG
    except (KeyboardInterrupt, EOFError, Cancelled):
        missing = COSIGN_STOPPED
    else:
        if cosigner is None or verdict is not None:
            return write_decision(ledger, decider, payload, cosigner, verdict, qset)
        missing = "the co-signer was called away"
    written = write_decision(ledger, decider, payload, None, None, qset)
    written.cosign_missing = missing
    return written


RECORD_NOW, ADD_MANAGER = "record_now", "add_manager"


def eligible_cosigners(ledger: Ledger, decider_id: str) -> list[StaffMember]:
    register = load_register(ledger)
    return [m for m in register.values() if cosigner_problem(decider_id, m) is None]


def check_cosigners_before(
    asker, ledger: Ledger, decider: Signer, read_passphrase, new_passphrase
) -> None:
    """Before the checklist, not after it: say when nobody else can co-sign, and offer
    to record now (co-signed later) or, for a manager, to add a second manager first."""
    if eligible_cosigners(ledger, decider.staff_id):
        return
    asker.say(
        "\nNo other active manager is registered, so nobody can co-sign this decision today. "
        "You can record it now: it is saved as awaiting co-signature, and a second manager "
        f"co-signs it later with {command('cosign')} and its number."
    )
    if not decider.member.is_manager or new_passphrase is None:
        asker.say(f"A manager can add a second manager with {command('staff add')}.")
        return
    choice = asker.select(
        "What would you like to do?",
        [
            (RECORD_NOW, "Record the decision now; a second manager co-signs it later"),
            (ADD_MANAGER, "Add a second manager first (they type their own passphrase)"),
        ],
        help="Every decision is co-signed by a second manager: it should never be made as "
        "an individual.",
    )
    if choice == ADD_MANAGER:
        ask_new_manager(asker, ledger, decider, read_passphrase, new_passphrase)


def choose_cosigner(
    asker, ledger: Ledger, decider_id: str, read_passphrase: PassphraseReader
) -> Signer | None:
    register = load_register(ledger)
    eligible = eligible_cosigners(ledger, decider_id)
    help_text = (
        "The decision should never be made as an individual: a second manager reads the "
        "record and co-signs it with their own passphrase."
    )
    if not eligible:
        asker.say(
            "No other manager is registered, so nobody can co-sign yet. The decision will be "
            f"saved as awaiting co-signature. Add a manager with {command('staff add')}."
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
    return unlock_with_attempts(register[staff_id], read_passphrase, ledger=ledger)


LATER = "later"
LATER_LABEL = "I have been called away: co-sign it later"


def ask_verdict(asker, qset: QuestionSet, payload: dict) -> tuple[str, str] | None:
    """The co-signer's verdict and comment; None if they were called away (co-sign later)."""
    from infoshare_cli.outputs.screens import answers_table, outcome_panel

    asker.say(answers_table(qset, payload["answers"], payload.get("outcome_record")))
    asker.say(outcome_panel(qset, payload))
    verdict = asker.select(
        "Do you agree with this decision?",
        [("agree", "I agree"), ("disagree", "I do not agree"), (LATER, LATER_LABEL)],
        help="Read the record above. If you do not agree, say why: the practitioner can "
        "then take the decision again.",
    )
    if verdict == LATER:
        return None
    if verdict == "disagree":
        comment = asker.text("Your comment (why you do not agree)", kind="reason")
    else:  # optional: Enter for none ("-" is still taken to mean none)
        comment = asker.text("Your comment (optional)", kind="optional")
    if verdict == "agree" and comment.strip() == "-":
        return verdict, ""  # a disagreement keeps its comment: it needs one
    return verdict, comment
