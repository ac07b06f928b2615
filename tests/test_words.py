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
