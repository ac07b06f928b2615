"""Reading asks who you are: the reader names themselves (``--as``, or picks their name at a
terminal) and types their passphrase once; then what the log holds opens for them.

Named readers in a script never import questionary (see tests/test_performance.py).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from infoshare_cli.actions.staff import open_keys, unlock_with_attempts
from infoshare_cli.domain.staff import find_member
from infoshare_cli.domain.text import displayable
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.ledger.keystore import has_keys
from infoshare_cli.ledger.sealing import reading
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.outputs.messages import say
from infoshare_cli.reading.register import load_register

NOTHING_SHOWN = "Nothing was shown."
PRIVATE = "The log is private: only registered staff can read it, with their passphrase."


def reader_keys(ledger, signer: Signer):
    """The keys ``signer`` reads with: None for a log from before encryption (its entries
    are plaintext, so there is nothing to open)."""
    return open_keys(ledger, signer) if has_keys(ledger.conn) else None


def legacy_notice(ledger) -> None:
    """A log from before encryption: say so, and what to do. A log migrated from one: say
    where the old decisions are read."""
    if not has_keys(ledger.conn):
        say(
            "Note: this log was made by an earlier version of infoshare. Its records are not "
            f"encrypted. A manager can make an encrypted copy with {command('migrate --by NAME')} "
            "(this file is left as it is; SECURITY.md: 'Logs made before encryption').",
            err=True,
        )
    elif ledger.conn.execute("SELECT 1 FROM entries WHERE kind = 'migration' LIMIT 1").fetchone():
        say(
            "Note: this log was migrated from an unencrypted one. The older log's decisions "
            "are kept in it, sealed (verify --as checks them), but are not listed here: read "
            "one in the old log (or its backup) with `infoshare show NUMBER --db OLD_FILE`.",
            err=True,
        )


def _unlock_reader(ledger, name: str | None, asker) -> Signer:
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    register = load_register(ledger)
    if name is not None:  # named: no list to pick from, so no questionary
        member = find_member(register, name)
        if not member.active:
            raise InfoshareError(
                f"{member.name} has been deactivated and can no longer read the log. "
                f"{NOTHING_SHOWN}"
            )
        if sys.stdin.isatty():
            from infoshare_cli.asking.prompts import passphrase_reader

            return unlock_with_attempts(member, passphrase_reader(asker), ledger=ledger)
        from infoshare_cli.asking.lines import read_passphrase_line

        return unlock_with_attempts(member, read_passphrase_line, ledger=ledger)
    from infoshare_cli.asking.identify import identify_and_unlock
    from infoshare_cli.asking.prompts import QuestionaryAsker, passphrase_reader

    asker = asker or (QuestionaryAsker() if terminal else None)
    return identify_and_unlock(
        asker,
        register,
        None,
        passphrase_reader(asker),
        question="Who is reading?",
        help="The log is private: pick your own name, then type your passphrase.",
        can_ask=terminal,
        nothing_done=f"{PRIVATE} {NOTHING_SHOWN}",
        whose_name="your name (who is reading)",
        option="--as",
        ledger=ledger,
    )


@contextlib.contextmanager
def reading_as(ledger, name: str | None, asker=None) -> Iterator[Signer]:
    """The reader unlocks once; inside the block, what the log holds opens for them.

    A wrong passphrase, or someone deactivated, reads nothing.
    """
    signer = _unlock_reader(ledger, name, asker)
    legacy_notice(ledger)
    with reading(ledger.conn, reader_keys(ledger, signer)) as opener:
        yield signer
    report_unopened(opener.problems, ledger)


@contextlib.contextmanager
def reading_with(ledger, signer: Signer) -> Iterator[None]:
    """What the log holds opens for ``signer`` (already unlocked) inside the block."""
    with reading(ledger.conn, reader_keys(ledger, signer)) as opener:
        yield
    report_unopened(opener.problems, ledger)


def report_unopened(problems: dict[int, str], ledger=None) -> None:
    """Name, entry by entry, content that did not open: it was not shown as genuine.

    Content erased on purpose (``infoshare erase``) is said to be erased, once per erased
    decision, with who erased it, when and why: it is not damage.
    """
    if not problems:  # the usual case: nothing more to import or say
        return
    from infoshare_cli.integrity.report import when_text
    from infoshare_cli.ledger.numbering import numbers_of
    from infoshare_cli.reading.erasures import erased_entries

    erased = erased_entries(ledger, problems) if ledger is not None else {}
    told: set[int] = set()
    numbers = numbers_of(ledger.conn, [e.decision for e in erased.values()]) if erased else {}
    for erasure in sorted(erased.values(), key=lambda e: e.decision):
        if erasure.decision in told:
            continue
        told.add(erasure.decision)
        when = when_text(erasure.erased_at) or erasure.erased_at
        number = numbers.get(erasure.decision, f"at entry #{erasure.decision}")
        say(
            f"Decision {number} was erased on purpose {when} by "
            f"{displayable(erasure.by)}, co-signed by {displayable(erasure.confirmed_by)} "
            f"({displayable(erasure.why)}): its content is gone for good and is not shown.",
            err=True,
        )
    for seq, why in sorted(problems.items()):
        if seq in erased:
            continue
        say(
            f"Warning: the content of entry #{seq} could not be opened ({why}); it is not "
            "shown. Run `infoshare verify`.",
            err=True,
        )
