"""`infoshare log`, `case`, `stats`, `correct` and `review`: reading the log back.

Thin: parse options, call ``queries`` (and ``corrections``), render with ``review_views``.
Heavy imports stay inside the functions so that `infoshare --help` starts quickly.
"""

import os
import sys
from typing import Annotated, Any

import typer

from infoshare_cli.cli.options import (
    CaseOption,
    DbOption,
    JsonOption,
    OutcomeOption,
    QuestionsOption,
    ReaderOption,
    SearchOption,
    SinceOption,
    StatusOption,
    UntilOption,
    resolve_db,
)
from infoshare_cli.cli.showing import decision_renderable
from infoshare_cli.domain.text import json_escaped
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.outputs.messages import say


def _count_option(default: int, what: str) -> Any:
    return typer.Option("-n", "--count", min=0, help=what, show_default=default != 0)


# --- log ---------------------------------------------------------------------------------


def log(
    case: CaseOption = None,
    outcome: OutcomeOption = None,
    status: StatusOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            "--decided-by",
            help="Only decisions taken by this person (their name).",
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    search: SearchOption = None,
    count: Annotated[
        int, _count_option(20, "How many decisions to show, newest first (0 for all).")
    ] = 20,
    exports: Annotated[
        bool,
        typer.Option("--exports", help="List the exports instead: who took records off, when."),
    ] = False,
    reader: ReaderOption = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
    json: JsonOption = False,
) -> None:
    """List decisions, newest first. Filter by case, outcome, status, dates, person or words."""
    from infoshare_cli.asking.reader import reading_as
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.filters import make_filters
    from infoshare_cli.reading.queries import export_entries, iter_decisions
    from infoshare_cli.reading.trust import KeyRing

    filters = make_filters(
        case=case, outcome=outcome, status=status, since=since, until=until, by=by, search=search
    )
    with Ledger.open(resolve_db(db)) as ledger, reading_as(ledger, reader):
        if exports:
            if any(v is not None for v in filters.as_dict().values()):
                raise InfoshareError("--exports lists every export; it takes no filters.")
            rows = export_entries(ledger, limit=count)
            if json:
                _echo_json_array(rows)
                return
            _print_exports(rows)
            return
        # Each decision shown is checked as verify checks it (only those shown: fast).
        keyring = KeyRing(ledger)
        # One more than asked for, to know whether to say there are more.
        reviews = iter_decisions(ledger, filters, limit=count + 1 if count else 0, keyring=keyring)
        if json:
            _echo_json_array(_first(reviews, count))
            return
        _print_log(ledger, questions, filters, reviews, count, keyring)


def _first(rows, count: int):
    for n, row in enumerate(rows):
        if count and n >= count:
            return
        yield row


def _echo_json_array(rows) -> None:
    """A JSON array written as it is read: memory stays flat however many rows."""
    import json as jsonlib

    out = sys.stdout
    out.write("[")
    n = 0
    for row in rows:
        out.write(
            ("," if n else "") + "\n  " + json_escaped(jsonlib.dumps(row, ensure_ascii=False))
        )
        n += 1
    out.write("\n]\n" if n else "]\n")
    out.flush()


def _pager_console():
    """A console that pages long output like `git log` when writing to a terminal."""
    from infoshare_cli.outputs.screens import console

    con = console()
    if not sys.stdout.isatty() or os.environ.get("INFOSHARE_NO_PAGER"):
        return con, None
    os.environ.setdefault("LESS", "FRX")  # quit if it fits on one screen, keep colours
    return con, con.pager(styles=True)


def _broken_seq(keyring) -> int | None:
    return keyring.broken[0] if keyring.broken is not None else None


def _print_log(ledger, questions, filters, reviews, count: int, keyring) -> None:
    from infoshare_cli.checklist.loading import outcome_labels
    from infoshare_cli.outputs.review_tables import decision_tables, trust_notice

    labels = outcome_labels(questions)  # all the list needs of the question set
    described = filters.describe()
    title = "Decisions, newest first" + (f" ({described})" if described else "")
    shown = 0
    more = False
    failing: list[int] = []
    con, pager = _pager_console()

    def counted():
        nonlocal shown, more
        for review in reviews:
            if count and shown >= count:
                more = True
                return
            shown += 1
            if review.get("checks_ok") is False:
                failing.append(review["number"])
            yield review

    tables = decision_tables(labels, counted(), title, width=con.width)
    first = next(tables, None)
    if first is None:
        from infoshare_cli.reading.statistics import any_decisions

        if any_decisions(ledger):
            say("No decisions match" + (f" ({described})." if described else "."))
        else:
            say(f"No decisions have been recorded yet. Take one with {command('decide')}.")
        return
    with pager or _nothing():
        con.print(first)
        for table in tables:
            con.print(table)
        if more:
            con.print(
                f"Showing the newest {count}. See more with -n 0 (all) or narrow the list "
                "with --case, --since or -q.",
                style="dim",
            )
        con.print(f"Read one in full with {command('show NUMBER')}.", style="dim")
        notice = trust_notice(failing, _broken_seq(keyring))
        if notice is not None:
            con.print(notice)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _print_exports(rows) -> None:
    from infoshare_cli.outputs.review_tables import exports_table
    from infoshare_cli.outputs.screens import console

    table = exports_table(rows)
    if table is None:
        say("Nothing has been exported from this log.")
        return
    console().print(table)


# --- case --------------------------------------------------------------------------------


def case(
    case_ref: Annotated[
        str, typer.Argument(metavar="REF", help="The case reference, e.g. C-1042.")
    ],
    reader: ReaderOption = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
    json: JsonOption = False,
) -> None:
    """Everything decided about one case, oldest first: decisions, co-signatures, corrections."""
    from infoshare_cli.asking.reader import reading_as
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.filters import make_filters
    from infoshare_cli.reading.queries import iter_decisions
    from infoshare_cli.reading.trust import KeyRing

    filters = make_filters(case=case_ref)
    with Ledger.open(resolve_db(db)) as ledger, reading_as(ledger, reader):
        keyring = KeyRing(ledger)
        found = iter_decisions(ledger, filters, newest_first=False, keyring=keyring)
        if json:
            _echo_json_array(found)
            return
        reviews = list(found)  # one case: a handful of decisions
    case = filters.case or case_ref  # the reference with its spacing tidied
    if not reviews:
        raise InfoshareError(
            f"No decisions about case {case} are recorded. Check the reference; "
            f"{command('log')} lists recent decisions with their cases."
        )
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.outputs.review_tables import case_chronology, trust_notice
    from infoshare_cli.outputs.screens import console

    con = console()
    con.print(case_chronology(load_question_set(questions), case, reviews))
    failing = [r["number"] for r in reviews if r.get("checks_ok") is False]
    notice = trust_notice(failing, _broken_seq(keyring))
    if notice is not None:
        con.print(notice)


# --- stats -------------------------------------------------------------------------------


def stats(
    since: SinceOption = None,
    until: UntilOption = None,
    reader: ReaderOption = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
    json: JsonOption = False,
) -> None:
    """Decisions per month by outcome and status, and co-signatures waiting too long."""
    from infoshare_cli.asking.reader import reading_as
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.filters import make_filters
    from infoshare_cli.reading.statistics import decision_stats
    from infoshare_cli.reading.trust import KeyRing

    filters = make_filters(since=since, until=until)
    with Ledger.open(resolve_db(db)) as ledger, reading_as(ledger, reader):
        keyring = KeyRing(ledger)
        result = decision_stats(ledger, filters, keyring)
    totals, overdue = result["totals"], result["overdue"]
    broken = _broken_seq(keyring)
    if broken is not None:
        result["staff_register_fails_at"] = broken
    if json:
        import json as jsonlib

        typer.echo(json_escaped(jsonlib.dumps(result, indent=2, ensure_ascii=False)))
        return
    if not totals["total"]:
        say("No decisions recorded" + (" in that period." if since or until else " yet."))
        return
    from infoshare_cli.checklist.loading import outcome_labels
    from infoshare_cli.outputs.review_tables import stats_tables, trust_notice
    from infoshare_cli.outputs.screens import console

    con = console()
    for part in stats_tables(outcome_labels(questions), result):  # all it needs of the set
        con.print(part)
    notice = trust_notice([d["number"] for d in overdue if d.get("checks_ok") is False], broken)
    if notice is not None:
        con.print(notice)


# --- correct -----------------------------------------------------------------------------


def correct(
    decision_id: Annotated[
        str | None,
        typer.Argument(
            metavar="NUMBER",
            help="The number of the decision to correct, as `infoshare log` shows it. "
            "Without it, pick from the newest (at a terminal).",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Your name (you sign the correction). Asked at a terminal; a script must give it.",
            show_default=False,
        ),
    ] = None,
    wrong: Annotated[
        str | None, typer.Option("--wrong", help="What was wrong.", show_default=False)
    ] = None,
    right: Annotated[
        str | None, typer.Option("--right", help="What is right.", show_default=False)
    ] = None,
    why: Annotated[
        str | None, typer.Option("--why", help="Why it is being corrected.", show_default=False)
    ] = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
) -> None:
    """Correct a decision: say what was wrong, what is right and why. The original stays."""
    from infoshare_cli.actions.corrections import append_correction, correction_payload
    from infoshare_cli.asking.choosing import CORRECT, which_decision
    from infoshare_cli.asking.identify import identify_and_unlock
    from infoshare_cli.asking.prompts import QuestionaryAsker, passphrase_reader
    from infoshare_cli.asking.reader import reading_with
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.records import load_decision
    from infoshare_cli.reading.register import load_register

    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    with Ledger.open(resolve_db(db)) as ledger:
        asker = QuestionaryAsker()
        record = load_decision(ledger, which_decision(ledger, decision_id, CORRECT, asker))
        register = load_register(ledger)
        texts = {"wrong": wrong, "right": right, "why": why}
        missing = any(not (v or "").strip() for v in texts.values())
        if missing and not terminal:  # refused before anyone types a passphrase
            raise InfoshareError(
                "Say what was wrong, what is right and why, with --wrong, --right and "
                "--why. Nothing was written."
            )
        if not missing:
            correction_payload(record, **texts)  # typed on the command line: check it first
        signer = identify_and_unlock(  # the passphrase right after the name, as everywhere
            asker,
            register,
            by,
            passphrase_reader(asker),
            question="Who is making this correction?",
            help="Pick your own name. You sign the correction with your passphrase.",
            can_ask=terminal,
            ledger=ledger,
        )
        member = signer.member
        with reading_with(ledger, signer):
            record = load_decision(ledger, record.id)  # now it opens for them
            if missing:
                texts = _ask_correction(asker, ledger, questions, record.id, texts)
            correction_payload(record, **texts)
            append_correction(ledger, record, signer, **texts)
    say(
        f"{record.label}: correction by {member.name} saved. The original is unchanged; "
        "the correction is shown with it everywhere."
    )


def _ask_correction(asker, ledger, questions, decision_id: int, texts: dict) -> dict:
    from infoshare_cli.checklist.loading import load_question_set

    asker.say(decision_renderable(ledger, load_question_set(questions), decision_id))
    prompts = {
        "wrong": "What was wrong in this record?",
        "right": "What is right?",
        "why": "Why is it being corrected?",
    }
    out = dict(texts)
    for key, message in prompts.items():
        if not (out.get(key) or "").strip():
            out[key] = asker.text(message, kind="reason")
    return out


# --- review ------------------------------------------------------------------------------


def review(
    count: Annotated[
        int, _count_option(30, "How many recent decisions to choose from (0 for all).")
    ] = 30,
    case: CaseOption = None,
    reader: ReaderOption = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
) -> None:
    """Pick a recent decision from a list and read it in full. No numbers to type."""
    from infoshare_cli.asking.prompts import QuestionaryAsker
    from infoshare_cli.asking.reader import reading_as
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.filters import make_filters
    from infoshare_cli.reading.queries import iter_decisions
    from infoshare_cli.reading.records import local_time

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InfoshareError(
            f"{command('review')} asks you to pick from a list, so it needs a terminal. "
            f"In a script, use {command('log')} and {command('show NUMBER')}."
        )
    qset = load_question_set(questions)
    filters = make_filters(case=case)
    asker = QuestionaryAsker()
    with Ledger.open(resolve_db(db)) as ledger, reading_as(ledger, reader, asker):
        choices = [
            (
                str(r["id"]),
                f"Decision {r['number']}  {local_time(r['recorded_at'])}  "
                f"{r.get('case_ref') or '—'}  "
                f"{_label(qset, r.get('outcome'))}  ({r['status']})",
            )
            for r in iter_decisions(ledger, filters, limit=count)
        ]
        if not choices:
            say(f"No decisions have been recorded yet. Take one with {command('decide')}.")
            return
        done = "__done__"
        while True:
            picked = asker.select(
                "Which decision do you want to read?",
                [*choices, (done, "Done")],
                help="Newest first.",
            )
            if picked == done:
                return
            asker.say(decision_renderable(ledger, qset, int(picked)))
            if not asker.confirm("Read another?", default=True):
                return


def _label(qset, outcome: str | None) -> str:
    return qset.outcomes[outcome].label if outcome in qset.outcomes else (outcome or "")
