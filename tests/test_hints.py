"""Hints on screen name the command as this person can run it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from support.ledger_attacks import ANCHOR_BY, ANCHOR_PASSPHRASES

from infoshare_cli.hints import command, filled_in, program_for


def _script(folder: Path, name: str = "infoshare") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    return script


def test_on_path_it_is_plain_infoshare(tmp_path):
    script = _script(tmp_path / "bin")
    assert program_for(str(script), sys.executable, which=lambda name: str(script)) == "infoshare"


def test_not_on_path_it_is_the_path_as_typed(tmp_path, monkeypatch):
    _script(tmp_path / ".venv" / "bin")
    monkeypatch.chdir(tmp_path)
    typed = os.path.join(".venv", "bin", "infoshare")
    assert program_for(typed, sys.executable, which=lambda name: None) == typed


def test_another_infoshare_on_path_is_not_this_one(tmp_path):
    ours = _script(tmp_path / "ours")
    theirs = _script(tmp_path / "theirs")
    assert program_for(str(ours), sys.executable, which=lambda name: str(theirs)) == str(ours)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX quoting")
def test_a_path_with_a_space_is_quoted(tmp_path):
    script = _script(tmp_path / "Jo Smith" / "bin")
    shown = program_for(str(script), sys.executable, which=lambda name: None)
    assert shown == f"'{script}'"


def test_python_dash_m(tmp_path):
    main = Path(__import__("infoshare_cli").__file__).parent / "__main__.py"
    python = Path(sys.executable)
    on_path = program_for(str(main), str(python), which=lambda name: str(python))
    assert on_path == f"{python.name} -m infoshare_cli"
    off_path = program_for(str(main), str(python), which=lambda name: None)
    assert off_path == f"{python} -m infoshare_cli"


def test_run_by_something_else_falls_back_to_the_name():
    assert program_for("/usr/bin/pytest", sys.executable, which=lambda name: None) == "infoshare"


def test_question_file_commands_get_the_real_number():
    text = "If anything changes, take the decision again with `infoshare decide --revisits NUMBER`."
    assert filled_in(text, 12) == (
        f"If anything changes, take the decision again with {command('decide --revisits 12')}."
    )
    # with no decision yet (the wizard's help) the placeholder stays, as --help names it
    assert filled_in(text) == (
        f"If anything changes, take the decision again with {command('decide --revisits NUMBER')}."
    )


def test_earlier_sets_placeholder_id_is_filled_in_too():
    """Sets before 2018.4 (kept in checklist/earlier_sets, and settings' own files copied
    from them) wrote ID."""
    text = (
        "Once you have the advice, take the decision again with `infoshare decide --revisits ID`."
    )
    assert filled_in(text, 12) == (
        f"Once you have the advice, take the decision again with {command('decide --revisits 12')}."
    )
    assert "--revisits ID" not in filled_in(text, 12)


def _strings(tree) -> list[str]:
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, dict):
        return [s for value in tree.values() for s in _strings(value)]
    if isinstance(tree, list):
        return [s for value in tree for s in _strings(value)]
    return []


def test_the_shipped_sets_commands_take_what_the_tool_accepts(cli):
    """Every `infoshare ...` command the built-in checklist tells people to run names its
    options' values as that command's --help does (`--revisits NUMBER`, a decision's
    number), and the screen after saving fills in the real number."""
    import re

    import yaml

    from infoshare_cli.checklist.loading import load_question_set

    qset = load_question_set()
    texts = [s for s in _strings(yaml.safe_load(qset.text)) if "`infoshare" in s]
    commands = [c for text in texts for c in re.findall(r"`infoshare ([^`]*)`", text)]
    assert "decide --revisits NUMBER" in commands
    for args in commands:
        words = args.split()
        usage = cli(*[w for w in words if not w.startswith("-") and not w.isupper()], "--help")
        assert usage.exit_code == 0, args
        for option, value in zip(words, words[1:], strict=False):
            if option.startswith("--") and value.isupper():
                assert f"{option} {value} " in usage.output, args
    for outcome in qset.outcomes.values():
        shown = filled_in(outcome.next_steps, 12)
        assert "NUMBER" not in shown and "ID" not in shown.split()
        if "--revisits" in outcome.next_steps:
            assert command("decide --revisits 12") in shown


def test_the_installed_script_by_its_path_prints_hints_that_run(tmp_path):
    """The README's install, without activating: the hint is the path that was typed."""
    import subprocess

    script = Path(sys.executable).parent / "infoshare"
    if not script.exists() or sys.platform == "win32":
        pytest.skip("needs the installed POSIX script")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOSHARE_")}
    env["PATH"] = "/usr/bin:/bin"  # infoshare is not on PATH
    env["INFOSHARE_DB"] = str(tmp_path / "none.sqlite3")
    done = subprocess.run(
        [str(script), "log"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert done.returncode != 0
    assert f"`{script} init`" in done.stderr


def test_the_anchor_hint_is_the_real_command_to_check_it(cli, staffed_log):
    """Not a placeholder like "<the line>": the command as printed proves the log."""
    result = cli("anchor", *ANCHOR_BY, input=ANCHOR_PASSPHRASES, db=staffed_log.path)
    assert result.exit_code == 0, result.output
    hint = next(line for line in result.stderr.splitlines() if "--anchor infoshare" in line)
    anchor = hint.split("--anchor ", 1)[1].rstrip("`")
    assert anchor in result.stdout  # the line the signed anchor carries
    checked = cli("verify", "--anchor", anchor, db=staffed_log.path)
    assert checked.exit_code == 0, checked.output


def test_backup_and_retention_hints_are_commands_that_run(tmp_path, staffed_log):
    """Every `infoshare ...` in a message goes out as this person runs infoshare: here by its
    path, as after the README's install without activating."""
    import subprocess

    script = Path(sys.executable).parent / "infoshare"
    if not script.exists() or sys.platform == "win32":
        pytest.skip("needs the installed POSIX script")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOSHARE_")}
    env["PATH"] = "/usr/bin:/bin"  # infoshare is not on PATH
    env["INFOSHARE_DB"] = str(staffed_log.path)

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(script), *args], env=env, capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    said = run("retention")
    assert f"`{script} retention --years 25 --by NAME`" in said
    said = run("backup", str(tmp_path / "copy.sqlite3"))
    assert f"`{script} verify --db {tmp_path / 'copy.sqlite3'}`" in said
    checked = run("verify", "--db", str(tmp_path / "copy.sqlite3"))
    assert "The log is intact." in checked


def test_commands_apart_keeps_each_command_whole_on_its_own_line():
    from infoshare_cli.hints import commands_apart

    text = (
        "Once you have it, take the decision again with `infoshare decide --revisits 4`, so "
        "the two records are linked."
    )
    assert commands_apart(text) == (
        "Once you have it, take the decision again with\n"
        "  `infoshare decide --revisits 4`\n"
        "so the two records are linked."
    )
    assert commands_apart("Nothing to run.") == "Nothing to run."
