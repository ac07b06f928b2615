"""What the speed-ups must not change: the benchmark log verifies, the fast parse of the
built-in checklist equals the careful one, and start-up stays light."""

import sqlite3
import subprocess
import sys

import pytest
import yaml
from support.benchmark_logs import load_make_log
from support.people import ALEX, PASSPHRASES

from infoshare_cli.checklist import loading as questions
from infoshare_cli.checklist import marked_yaml
from infoshare_cli.integrity.verify import verify_path


def test_benchmark_log_verifies_with_the_real_verifier(tmp_path):
    make_log = load_make_log()
    path = tmp_path / "bench.sqlite3"
    counts = make_log.make_log(path, 50)
    assert counts["decision"] == 50
    assert counts["cosign"] >= 30
    assert counts["staff"] >= 5
    report = verify_path(path)
    assert report.ok, [p.message for p in report.problems]
    assert report.entries == sum(counts.values())
    # its case index is tagged as the real writers tag it: `verify --as` checks every tag
    from typer.testing import CliRunner

    from infoshare_cli.cli.main import app

    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM case_index WHERE tag IS NULL").fetchone() == (0,)
    conn.close()
    argv = ["verify", "--db", str(path), "--as", "Alex Morgan"]
    result = CliRunner().invoke(app, argv, input="benchmark passphrase\n")
    assert result.exit_code == 0, result.output


def _same_tree(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (
            (a.line, a.column, a.key_marks) == (b.line, b.column, b.key_marks)
            and list(a) == list(b)
            and all(_same_tree(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return (a.line, a.column) == (b.line, b.column) and (
            len(a) == len(b) and all(_same_tree(x, y) for x, y in zip(a, b, strict=True))
        )
    return a == b


def test_fast_parse_of_the_built_in_set_equals_the_careful_one():
    text, source = questions.default_questions_text()
    careful = yaml.load(text, Loader=marked_yaml._MarkedLoader)  # noqa: S506
    fast = questions._load_fast(text)
    if yaml.__with_libyaml__:
        assert fast is not None
        assert _same_tree(careful, fast)
    data = text.encode("utf-8")
    assert questions.parse_question_set(data, source, built_in=True) == (
        questions.parse_question_set(data, source)
    )


def test_fast_parser_refuses_aliases_and_duplicate_keys():
    assert questions._load_fast("a: &x 1\nb: *x\n") is None
    assert questions._load_fast("a: 1\na: 2\n") is None


# Reading asks who you are: Alex, with his passphrase on standard input.
READER = ("--as", ALEX)
UNLOCK = PASSPHRASES[ALEX] + "\n"


def _modules_after(*argv: str, full: bool = False, input: str | None = None) -> set[str]:
    code = (
        "import sys\n"
        f"sys.argv = ['infoshare', *{list(argv)!r}]\n"
        "from infoshare_cli.cli.main import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        input=input,
    )
    if full:
        return set(proc.stderr.splitlines())
    return {line.split(".")[0] for line in proc.stderr.splitlines()}


def test_help_imports_little_beyond_typer():
    heavy = {"rich", "pydantic", "sqlite_utils", "yaml", "cryptography", "questionary", "sqlite3"}
    assert _modules_after("--help") & heavy == set()


def test_reading_the_log_imports_neither_pydantic_nor_sqlite_utils(staffed_log):
    loaded = _modules_after("log", "--db", str(staffed_log.path), *READER, input=UNLOCK)
    assert {"pydantic", "sqlite_utils", "questionary"} & loaded == set()


def test_reading_the_log_checks_signatures_without_the_heavy_crypto_modules(staffed_log):
    # log checks what it shows (and the staff register) through cryptography's Rust binding:
    # the public hazmat modules cost ~30 ms to import (see crypto._public_key_loader). Only
    # what unlocking and opening the sealed content need is imported (the reader's one
    # Argon2id step, X25519 for their data keys, AES-GCM): no signature-checking module.
    loaded = _modules_after("log", "--db", str(staffed_log.path), *READER, full=True, input=UNLOCK)
    assert "cryptography.hazmat.bindings._rust" in loaded
    assert "cryptography.hazmat.primitives.ciphers.aead" in loaded  # it did open content


def test_scripted_decide_and_export_load_no_terminal_prompts(staffed_log, tmp_path):
    # Passphrases piped on standard input need no prompt library (65-90 ms to import).
    import json

    from support.people import answers_file_data

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(answers_file_data("share", by=ALEX)), encoding="utf-8")
    db = ("--db", str(staffed_log.path))
    before = staffed_log.count()
    loaded = _modules_after("decide", "--answers", str(answers), "--by", ALEX, *db, input=UNLOCK)
    assert staffed_log.count() == before + 1  # the decision was written
    assert {"questionary", "prompt_toolkit"} & loaded == set()
    out = tmp_path / "out.json"
    loaded = _modules_after(
        "export", "--format", "json", "--out", str(out), "--by", ALEX, *db, input=UNLOCK
    )
    assert json.loads(out.read_text(encoding="utf-8"))["decisions"]  # it was exported
    assert {"questionary", "prompt_toolkit"} & loaded == set()


def test_listing_the_log_reads_no_yaml_for_the_built_in_set(staffed_log):
    loaded = _modules_after("log", "--db", str(staffed_log.path), *READER, input=UNLOCK)
    assert "yaml" not in loaded


def test_stats_imports_only_what_it_shows(tmp_path):
    # stats unlocks the reader, counts, opens the overdue decisions and draws its tables:
    # no key serialization module (raw key bytes come from the keys themselves), no
    # checklist validation (only the outcome labels), no importlib.resources for the
    # built-in checklist (zipfile, tempfile), no verify report (only when content fails).
    make_log = load_make_log()
    path = tmp_path / "bench.sqlite3"
    make_log.make_log(path, 12)
    argv = ("stats", "--db", str(path), "--as", ALEX)
    loaded = _modules_after(*argv, full=True, input="benchmark passphrase\n")
    assert "rich.table" in loaded  # it drew its tables
    assert "cryptography.hazmat.primitives.ciphers.aead" in loaded  # it unlocked the reader
    assert loaded.isdisjoint({
        "cryptography.hazmat.primitives.serialization",
        "infoshare_cli.checklist.validation",
        "importlib.resources",
        "zipfile",
        "infoshare_cli.integrity.report",
        "yaml",
        "sqlite_utils",
        "questionary",
        "click",  # typer carries its own copy; messages print through it
    })  # fmt: skip


def test_built_in_outcome_labels_match_the_shipped_checklist():
    qset = questions.load_question_set()
    labels = {oid: outcome.label for oid, outcome in qset.outcomes.items()}
    assert questions.outcome_labels() == labels


def test_outcome_labels_of_another_file_come_from_that_file(tmp_path):
    text, _ = questions.default_questions_text()
    changed = tmp_path / "q.yaml"
    changed.write_text(text.replace("label: Do not share", "label: Keep it"), encoding="utf-8")
    assert questions.outcome_labels(changed)["do_not_share"] == "Keep it"


# --- the start-up shortcuts (cli/startup_shortcuts.py, ledger/startup_shortcuts.py) ---------


def _every_command(command):
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _every_command(sub)


SAMPLES = {
    str: ["C-1042", "", "Sam Lee"],
    int: ["5", "0", "-1", "abc", "2.5"],
    bool: ["yes", "no", "1", "maybe"],
}


def _outcome(convert, *args, **kwargs):
    import typer

    try:
        return ("value", convert(*args, **kwargs))
    except typer.BadParameter:
        return ("refused", None)


def test_light_option_conversion_agrees_with_typers_own(tmp_path):
    """Every option the light converter takes over converts as typer itself would, and
    refuses what typer refuses: a typer that changes under the shortcut fails here."""
    import typer
    from typer._coercion import build_runtime_param

    from infoshare_cli.cli.main import app
    from infoshare_cli.cli.startup_shortcuts import _light_param

    (tmp_path / "a-file.txt").write_text("x", encoding="utf-8")
    paths = [str(tmp_path / "a-file.txt"), str(tmp_path), str(tmp_path / "missing.txt")]
    taken_over = 0
    for command in _every_command(typer.main.get_command(app)):
        ctx = typer.Context(command)
        for param in command.params:
            light = _light_param(param)
            if light is None:
                continue
            taken_over += 1
            own = build_runtime_param(param.type_descriptor)
            annotation = param.type_descriptor.annotation
            for value in SAMPLES.get(annotation, paths):
                expected = _outcome(own.coerce, value, param=param, ctx=ctx)
                got = _outcome(light.coerce, value, param, ctx)
                assert got == expected, (command.name, param.name, value)
    assert taken_over > 20  # the shortcut still recognises typer's parameters


@pytest.mark.parametrize("stop_before", ["0001_ledger", "0003_no_replace", None])
def test_light_migrations_read_what_sqlite_utils_records(tmp_path, stop_before):
    import sqlite3

    import sqlite_utils

    from infoshare_cli.ledger.schema import migrations

    path = tmp_path / "log.sqlite3"
    db = sqlite_utils.Database(path)
    if stop_before != "0001_ledger":
        migrations.apply(db, stop_before=stop_before)
    conn = sqlite3.connect(path)
    assert migrations.applied_names(conn) == [m.name for m in migrations.applied(db)]
    assert migrations.pending_names(conn) == [m.name for m in migrations.pending(db)]
    assert migrations.migrations_table == sqlite_utils.migrations.Migrations.migrations_table
    conn.close()
    db.close()


def test_commands_built_when_needed_are_typers_own():
    """The root group builds each command the first time it is looked up, and lists them
    in its help from their short help: the same help, commands and parameters as typer
    gives when it builds every command at once."""
    import typer.main
    from typer.testing import CliRunner

    from infoshare_cli.cli import main as cli_main
    from infoshare_cli.cli.app import new_app

    eager = new_app(help=cli_main.HELP, add_completion=False)
    eager.callback()(cli_main.root)
    for name, module, function, short_help in cli_main.COMMANDS:
        eager.command(name, short_help=short_help)(cli_main._load(module, function))
    for name, module, sub, short_help in cli_main.GROUPS:
        eager.add_typer(cli_main._load(module, sub), name=name, short_help=short_help)

    runner = CliRunner()
    for argv in (["--help"], [], ["staff", "--help"], ["log", "--help"], ["nonsense"]):
        lazy_result = runner.invoke(cli_main.app, argv)
        eager_result = runner.invoke(eager, argv)
        assert (lazy_result.exit_code, lazy_result.output) == (
            eager_result.exit_code,
            eager_result.output,
        )

    def shape(command):
        params = [(p.name, tuple(p.opts), p.required, p.default) for p in command.params]
        subs = getattr(command, "commands", {})
        return (command.name, command.help, command.short_help, params,
                {name: shape(sub) for name, sub in subs.items()})  # fmt: skip

    assert shape(typer.main.get_command(cli_main.app)) == shape(typer.main.get_command(eager))


def test_the_kept_parse_of_the_built_in_checklist_is_current():
    """The built-in set is built from its parse kept as JSON (saves importing yaml and
    parsing it for every command that builds the whole set): it must be the careful
    parser's tree of the shipped file, byte for byte what scripts/built_in_tree.py writes."""
    text, _ = questions.default_questions_text()
    assert questions.BUILT_IN_TREE.read_text(encoding="utf-8") == (
        questions.built_in_tree_text(text)
    ), "questions.yaml changed: run `python scripts/built_in_tree.py`"
    data = text.encode("utf-8")
    assert questions.built_in_tree(data) == marked_yaml.load_marked_yaml(text, "q")


def test_the_built_in_set_from_its_kept_parse_is_the_set_from_the_yaml(monkeypatch):
    text, source = questions.default_questions_text()
    data = text.encode("utf-8")
    kept = questions.parse_question_set(data, source, built_in=True)
    careful = questions.parse_question_set(data, source)
    assert kept == careful
    # ...and without the kept parse (a copy of the package without it), the same set
    monkeypatch.setattr(questions, "BUILT_IN_TREE", questions.BUILT_IN_TREE.with_name("none"))
    assert questions.built_in_tree(data) is None
    assert questions.parse_question_set(data, source, built_in=True) == careful


def test_the_kept_parse_is_never_used_for_other_bytes(tmp_path, monkeypatch):
    """A questions.yaml changed by one byte (an edited install) is parsed, not read from
    the kept parse of the shipped one; a damaged kept file is ignored."""
    text, source = questions.default_questions_text()
    changed = text.replace("label: Do not share", "label: Keep it").encode("utf-8")
    assert questions.built_in_tree(changed) is None
    qset = questions.parse_question_set(changed, source, built_in=True)
    assert qset.outcomes["do_not_share"].label == "Keep it"
    damaged = tmp_path / "built_in_tree.json"
    damaged.write_text('{"sha256": "', encoding="utf-8")
    monkeypatch.setattr(questions, "BUILT_IN_TREE", damaged)
    assert questions.built_in_tree(text.encode("utf-8")) is None
    damaged.write_text("[1, 2]", encoding="utf-8")
    assert questions.built_in_tree(text.encode("utf-8")) is None
