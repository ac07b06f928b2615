"""Case references that look alike are alike: one normal form, no look-alike letters.

A case reference is how a child's records find each other (``infoshare case C-1042``). Two
references that look the same on screen must be the same text, or a decision filed under
one is missing from the other. So a reference is:

- normalised (Unicode NFKC): full-width "Ｃ－１０４２", mathematical "𝐂" and the like
  become the ordinary "C-1042";
- written without letters from the alphabets whose letters are drawn like Latin ones
  (:data:`LOOKALIKE_SCRIPTS`: Cyrillic, Greek, Armenian...): "C-1042" typed with a
  Cyrillic "С" looks exactly like "C-1042" and is refused, saying to retype it. Other
  writing systems (Chinese, Arabic letters...) cannot pass for Latin ones and stay allowed;
- written with ordinary digits 0-9: "١٠٤٢" would not match "1042".

The script of a letter comes from its Unicode name (``unicodedata``). The library of
confusable pairs (confusable-homoglyphs) was considered: it has not been released since
January 2024, and a whole-alphabet rule is simpler to explain to the person typing.
"""

from __future__ import annotations

import unicodedata

from infoshare_cli.errors import InfoshareError

# Alphabets with letters drawn like Latin ones (Unicode's confusables.txt pairs most Latin
# letters with letters of these).
LOOKALIKE_SCRIPTS = frozenset(
    {"CYRILLIC", "GREEK", "COPTIC", "ARMENIAN", "CHEROKEE", "LISU", "GEORGIAN", "TIFINAGH"}
)

DIGIT_PROBLEM = (
    "it has a digit that is not an ordinary 0-9 (from another writing system), so it would "
    "not match the same reference typed on a keyboard. Retype the digits."
)


def lookalike_problem(alphabet: str) -> str:
    return (
        f"it has a letter from the {alphabet} alphabet, which can look exactly like an "
        f"ordinary letter: C-1042 typed with a {alphabet} C is not the same reference as "
        "C-1042 typed on a keyboard, and a search for one would miss the other. Retype it "
        "with the ordinary keyboard letters (A-Z)."
    )


def script_of(char: str) -> str | None:
    """'LATIN', 'CYRILLIC', 'GREEK'... for a letter; None for anything else."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else None


def case_ref_problem(text: str) -> str | None:
    """Why this (normalised) case reference could pass for another; None if it cannot."""
    for char in text:
        if char.isdigit() and not ("0" <= char <= "9"):
            return DIGIT_PROBLEM
        script = script_of(char)
        if script in LOOKALIKE_SCRIPTS:
            return lookalike_problem(script.capitalize())
    return None


def normal_form(value: object) -> str:
    """NFKC, with runs of whitespace made one space and none at the ends."""
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def normalise_case_ref(value: object) -> str:
    """The case reference in its one normal form, or a clear error."""
    cleaned = normal_form(value)
    problem = case_ref_problem(cleaned)
    if problem is not None:
        # The reference itself is not repeated: it could be a child's name typed by mistake.
        raise InfoshareError(f"That case reference cannot be used: {problem}")
    return cleaned


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def comparison_form(value: object) -> str:
    """A case reference as two references are compared: its normal form with the letters
    A-Z in lower case (``c-1042`` finds ``C-1042``), as SQLite's ``COLLATE NOCASE`` compares.
    The case index keys a reference by this form (``ledger.case_index``)."""
    return normal_form(value).translate(_ASCII_LOWER)
