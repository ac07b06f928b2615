"""A count is said once, right: "1 outcome", "2 outcomes", never "1 outcomes"."""

from __future__ import annotations

import pytest

from infoshare_cli.domain.words import counted, plural


@pytest.mark.parametrize(
    ("noun", "many"),
    [
        ("outcome", "outcomes"),
        ("entry", "entries"),
        ("try", "tries"),
        ("day", "days"),
        ("key", "keys"),
        ("sealed entry", "sealed entries"),
        ("public key", "public keys"),
        ("box", "boxes"),
        ("batch", "batches"),
        ("wish", "wishes"),
        ("address", "addresses"),
    ],
)
def test_plural(noun, many):
    assert plural(noun) == many


def test_counted_singular_only_for_one():
    assert counted(1, "outcome") == "1 outcome"
    assert counted(0, "outcome") == "0 outcomes"
    assert counted(2, "entry") == "2 entries"
    assert counted(3, "person", "people") == "3 people"
    assert counted(1, "person", "people") == "1 person"


def test_no_message_makes_its_own_plural():
    """Every count before a noun goes through counted(): a hand-made plural ("'s' if n")
    is how "1 outcomes" came about."""
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "infoshare_cli"
    hand_made = re.compile(r"""['"]s['"] if|else ['"]s['"]|\w\(s\)|entr\{""")
    found = [
        f"{path.relative_to(package)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hand_made.search(line)
    ]
    assert found == []
