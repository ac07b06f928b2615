"""Loading a question file: the built-in ``questions.yaml`` or a setting's own, checked in full.

Never raises anything but ``QuestionSetError``, whatever the file holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from infoshare_cli.checklist.marked_yaml import _load_fast, load_marked_yaml
from infoshare_cli.domain.questions import MAX_FILE_BYTES, QuestionSet, QuestionSetError
from infoshare_cli.domain.words import counted

# --- loading ---------------------------------------------------------------------------


def shipped_questions(package: Path) -> tuple[Path, bytes] | None:
    """Where the package folder ``package`` has the shipped ``questions.yaml``, and its bytes;
    None when it has none on disk.

    The wheel carries it inside the package (hatchling's ``force-include``); a source
    checkout (the tests, an editable install) has it beside the package, at the top of the
    project, where it is kept. The first of the two that reads is the one.
    """
    for path in (package / "questions.yaml", package.parent / "questions.yaml"):
        try:
            return path, path.read_bytes()
        except OSError:
            continue
    return None


def default_questions_text() -> tuple[str, str]:
    """The shipped set: the project's one ``questions.yaml`` (:func:`shipped_questions`).

    Read as a plain file: ``importlib.resources`` (which imports zipfile and tempfile,
    ~10 ms for every command that shows outcomes) is asked only for a package that is not
    on disk.
    """
    source = "questions.yaml (built in)"
    shipped = shipped_questions(Path(__file__).resolve().parents[1])
    if shipped is not None:
        return shipped[1].decode("utf-8"), source
    from importlib import resources

    data = resources.files("infoshare_cli").joinpath("questions.yaml").read_bytes()
    return data.decode("utf-8"), source


def load_question_set(path: str | Path | None = None) -> QuestionSet:
    """Load and validate a question file, or the built-in set when ``path`` is None."""
    if path is None:
        text, source = default_questions_text()
        return parse_question_set(text.encode("utf-8"), source, built_in=True)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise QuestionSetError(
                f"{p}: the file is {size:,} bytes; a question file may be at most "
                f"{MAX_FILE_BYTES:,} bytes. Is this the right file?"
            )
        data = p.read_bytes()
    except IsADirectoryError:
        raise QuestionSetError(f"{p} is a folder; give the path of a question file.") from None
    except FileNotFoundError:
        raise QuestionSetError(f"No question file at {p}. Check the path.") from None
    except PermissionError:
        raise QuestionSetError(f"{p}: permission denied; cannot read the file.") from None
    except OSError as exc:
        raise QuestionSetError(f"{p}: cannot read the file ({exc.strerror}).") from None
    return parse_question_set(data, str(p))


# The built-in set parsed, kept beside this module as JSON with the SHA-256 of the
# questions.yaml it was parsed from (scripts/built_in_tree.py writes it). Reading it instead
# of parsing the YAML saves importing yaml and libyaml's parse (~20 ms) for every command
# that builds the whole set (`decide`, `verify`...). It is used only while the shipped file
# is byte for byte that one; a test holds it to the file, parsed by both parsers.
BUILT_IN_TREE = Path(__file__).with_name("built_in_tree.json")


def built_in_tree(data: bytes) -> object | None:
    """The kept parse of the built-in set, if it was made from ``data``; else None."""
    import json

    try:
        kept = json.loads(BUILT_IN_TREE.read_bytes())
    except (OSError, ValueError):
        return None
    if type(kept) is not dict or kept.get("sha256") != hashlib.sha256(data).hexdigest():
        return None
    return kept.get("tree")


def built_in_tree_text(text: str) -> str:
    """What :data:`BUILT_IN_TREE` holds for the questions file ``text``: its careful parse
    as JSON (a file whose parse JSON cannot hold exactly gets none)."""
    import json

    tree = load_marked_yaml(text, "questions.yaml")
    plain = json.loads(json.dumps(tree))
    if plain != tree:
        raise ValueError("this question set's parse cannot be kept as JSON exactly")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return json.dumps({"sha256": digest, "tree": plain}, ensure_ascii=False, indent=1) + "\n"


def outcome_labels(path: str | Path | None = None) -> dict[str, str]:
    """Outcome id -> label, for the set ``load_question_set(path)`` loads (and its errors).

    `infoshare log` needs nothing else from the question set: for the built-in set the
    labels are read from its kept parse (:func:`built_in_tree`), without building and
    checking the whole set (~10 ms)."""
    if path is None:
        text, _ = default_questions_text()
        tree = built_in_tree(text.encode("utf-8"))
        try:
            return {oid: outcome["label"] for oid, outcome in tree["outcomes"].items()}  # type: ignore[index]
        except (KeyError, TypeError, AttributeError):  # no kept parse for these bytes
            pass
    return {oid: outcome.label for oid, outcome in load_question_set(path).outcomes.items()}


def parse_question_set(
    data: bytes, source: str, *, built_in: bool = False, policy: bool = True
) -> QuestionSet:
    """Parse and validate question-file bytes; ``source`` names the file in messages.

    ``policy=False`` for a set a decision was already taken under (see ``_Checker``)."""
    if len(data) > MAX_FILE_BYTES:
        raise QuestionSetError(
            f"{source}: the file is {len(data):,} bytes; a question file may be at most "
            f"{MAX_FILE_BYTES:,} bytes."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionSetError(
            f"{source}: the file is not UTF-8 text (bad byte at position {exc.start}). "
            "Save it as UTF-8 and try again."
        ) from None
    from infoshare_cli.checklist.validation import _Checker  # not needed for the labels

    # The built-in set (checked by the tests with both parsers) comes from its parse kept
    # beside this module when that was made from these very bytes, else from libyaml: it is
    # read by nearly every command, and the careful pure-Python parser takes ~20 ms.
    tree = (built_in_tree(data) or _load_fast(text)) if built_in else None
    checker = _Checker(source, policy=policy)
    qset = checker.build(tree, hashlib.sha256(data).hexdigest()) if tree is not None else None
    if tree is None or checker.problems:
        tree = load_marked_yaml(text, source)
        checker = _Checker(source, policy=policy)
        qset = checker.build(tree, hashlib.sha256(data).hexdigest())
    if checker.problems:
        count = len(checker.problems)
        raise QuestionSetError(
            f"{source} has {counted(count, 'problem')}:", problems=checker.problems
        )
    assert qset is not None
    return replace(qset, text=text)


def earlier_sets_folder() -> Path:
    return Path(__file__).resolve().with_name("earlier_sets")


def _built_in_texts() -> list[tuple[bytes, str]]:
    """Every set the tool ships: today's, and each earlier version, kept for good so that
    the decisions taken under them can always be shown and recomputed."""
    text, _ = default_questions_text()
    found = [(text.encode("utf-8"), "questions.yaml (built in)")]
    folder = earlier_sets_folder()
    if folder.is_dir():
        found += [
            (path.read_bytes(), f"questions.yaml version {path.stem} (built in)")
            for path in sorted(folder.glob("*.yaml"))
        ]
    return found


def is_built_in(sha256: str) -> bool:
    """Does the tool ship the set with this fingerprint?"""
    return any(hashlib.sha256(data).hexdigest() == sha256 for data, _ in _built_in_texts())


def built_in_set(sha256: str) -> QuestionSet | None:
    """The set the tool ships whose fingerprint is ``sha256``; None if it has no such set."""
    for data, source in _built_in_texts():
        if hashlib.sha256(data).hexdigest() == sha256:
            return parse_question_set(data, source, built_in=True, policy=False)
    return None
