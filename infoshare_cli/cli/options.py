"""The options several commands share, and where the log is.

Commands import their options from here, never from one another.
"""

from pathlib import Path
from typing import Annotated

import typer

# --- the log, the checklist, output --------------------------------------------------------

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The log file to use. Default: INFOSHARE_DB if set, else infoshare's file in "
        "your user data folder.",
        show_default=False,
        dir_okay=False,
    ),
]
QuestionsOption = Annotated[
    Path | None,
    typer.Option(
        "--questions",
        help="Your setting's own question file (YAML). Default: the built-in checklist.",
        show_default=False,
        dir_okay=False,
    ),
]
TemplateOption = Annotated[
    Path | None,
    typer.Option(
        "--template",
        help="With --format md or html: your setting's own template (Jinja2), for example "
        "with your letterhead. See docs/templates.md. Default: the built-in one.",
        show_default=False,
        dir_okay=False,
    ),
]
ReaderOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Who is reading (your name); you then type your passphrase. The log is private: "
        "asked at a terminal if not given.",
        show_default=False,
        metavar="NAME",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead of tables for people.")
]


def resolve_db(db: Path | None) -> Path:
    from infoshare_cli.ledger.paths import default_db_path

    return db if db is not None else default_db_path()


# --- the filters shared by `log`, `case` and `export` ---------------------------------------

CaseOption = Annotated[
    str | None,
    typer.Option("--case", help="Only this case reference, e.g. C-1042.", show_default=False),
]
OutcomeOption = Annotated[
    str | None,
    typer.Option(
        "--outcome",
        help="Only this outcome: share, share-without-consent, do-not-share or seek-advice.",
        show_default=False,
    ),
]
StatusOption = Annotated[
    str | None,
    typer.Option(
        "--status",
        help="Only this status: awaiting, agreed, not-agreed, superseded, erased or corrected.",
        show_default=False,
    ),
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Only decisions on or after this day, e.g. 2026-11-01, 01/11/2026 or '7 days ago'.",
        show_default=False,
        metavar="DATE",
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Only decisions on or before this day (the whole day counts).",
        show_default=False,
        metavar="DATE",
    ),
]
SearchOption = Annotated[
    str | None,
    typer.Option(
        "-q",
        "--search",
        help="Only decisions whose reasons, comments, corrections or written answers contain "
        "all these words (the start of a word is enough: 'bruis' finds 'bruising').",
        show_default=False,
        metavar="WORDS",
    ),
]
