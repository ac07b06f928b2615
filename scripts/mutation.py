"""Mutation testing of the layers that hold the rules: domain, integrity and ledger.

Runs mutmut (a maintained mutation tool: pip install ".[mutation]") over a copy of the
package in .mutation/, so the working tree is never touched. mutmut breaks the code one
small change at a time (a > made >=, a True made False, a line dropped...), and for each
change runs only the tests that cover the function it changed. A mutant that no test
notices "survives": either a test is missing, or the change makes no difference (an
"equivalent" mutant). See scripts/README.md for how to read the result.

    .venv/bin/python scripts/mutation.py                      # all three layers (slow)
    .venv/bin/python scripts/mutation.py --layer integrity    # one layer
    .venv/bin/python scripts/mutation.py --module infoshare_cli/integrity/chain.py
    .venv/bin/python scripts/mutation.py --report             # the last run's results again

It prints the score (killed / all mutants that ran, and the same without the mutants
listed as equivalent in scripts/mutation-equivalents.txt) and every survivor. Not part of
CI: a whole run takes far longer than CI's budget. It runs under `nice -n 19`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
EQUIVALENTS = Path(__file__).resolve().parent / "mutation-equivalents.txt"

LAYERS = {
    "domain": ["infoshare_cli/domain/*"],
    "integrity": ["infoshare_cli/integrity/*"],
    "ledger": ["infoshare_cli/ledger/*"],
}
# Tests that start other processes (they would not see the mutant), time things, drive a
# terminal, or check the docs: slow, and no use for mutants in these layers.
NOT_USED = [
    "tests/test_e2e_pty.py",
    "tests/test_performance.py",
    "tests/test_verify_crashes.py",
    "tests/test_docs_reference.py",
]
NOT_RUN = [  # builds a wheel from the project: not from the copy mutmut makes
    "tests/test_question_paths.py::test_the_wheel_carries_the_one_questions_yaml",
]
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
NOT_KILLED = {"survived", "no tests"}


def _mutmut_config(patterns: list[str], tests: list[str]) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f'"{item}"' for item in items) + "]"

    # -n 0: mutmut runs the tests in its own process (pytest-xdist's workers would not see
    # the mutant it switched on)
    pytest_args = ["-p", "no:cacheprovider", "-x", "-q", "-n", "0"]
    pytest_args += [f"--ignore={path}" for path in NOT_USED]
    pytest_args += [f"--deselect={test}" for test in NOT_RUN]
    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["infoshare_cli"]\n'
        f"only_mutate = {toml_list(patterns)}\n"
        f"pytest_add_cli_args = {toml_list(pytest_args)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(tests or ['tests/'])}\n"
        'also_copy = ["questions.yaml", "examples", "docs"]\n'
    )


def prepare(patterns: list[str], tests: list[str]) -> None:
    """A fresh copy of the project in .mutation/, with the mutmut settings for this run."""
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "*.sqlite3*")
    for name in ("infoshare_cli", "tests", "examples", "docs"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, WORK / name, ignore=ignore)
    for name in ("questions.yaml", "README.md"):
        shutil.copy2(ROOT / name, WORK / name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = re.sub(r"\n\[tool\.mutmut\].*?(?=\n\[|\Z)", "", pyproject, flags=re.S)
    (WORK / "pyproject.toml").write_text(
        pyproject + _mutmut_config(patterns, tests), encoding="utf-8"
    )


def run_mutmut(*args: str, capture: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mutmut", *args]
    if os.name == "posix" and shutil.which("nice"):
        command = ["nice", "-n", "19", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOSHARE_")}
    return subprocess.run(
        command, cwd=WORK, env=env, text=True, capture_output=capture, check=False
    )


def equivalents() -> dict[str, str]:
    """Mutant name -> why it is equivalent or accepted (scripts/mutation-equivalents.txt)."""
    found: dict[str, str] = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition(" ")
                found[name] = why.strip()
    return found


def report(show_diffs: bool) -> int:
    result = run_mutmut("results", "--all", "true", capture=True)
    statuses: dict[str, str] = {}
    for line in result.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            statuses[name] = status.strip()
    if not statuses:
        print("No results: run the mutation tests first.", file=sys.stderr)
        return 1
    counts = Counter(statuses.values())
    ran = {n: s for n, s in statuses.items() if s in KILLED | NOT_KILLED}
    killed = sum(1 for s in ran.values() if s in KILLED)
    known = equivalents()
    survivors = sorted(n for n, s in ran.items() if s in NOT_KILLED)
    unexplained = [n for n in survivors if n not in known]
    print("\nMutants by result: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    if ran:
        print(f"Score: {killed} of {len(ran)} mutants killed ({100 * killed / len(ran):.1f}%).")
        counted = len(ran) - (len(survivors) - len(unexplained))
        print(
            f"Without the {len(survivors) - len(unexplained)} survivors listed as equivalent "
            f"or accepted: {killed} of {counted} ({100 * killed / max(counted, 1):.1f}%)."
        )
    if survivors:
        print("\nSurvivors:")
        for name in survivors:
            why = known.get(name)
            print(f"  {name}  [{statuses[name]}]" + (f"  -- {why}" if why else ""))
            if show_diffs:
                diff = run_mutmut("show", name, capture=True).stdout
                print("    " + diff.strip().replace("\n", "\n    "))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layer", choices=[*LAYERS, "all"], default="all")
    parser.add_argument(
        "--module", action="append", default=[], help="a module to mutate (repeatable)"
    )
    parser.add_argument(
        "--tests", action="append", default=[], help="a test file to use (repeatable)"
    )
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--report", action="store_true", help="only print the last results")
    parser.add_argument("--diffs", action="store_true", help="show each survivor's change")
    args = parser.parse_args()
    try:
        import mutmut  # noqa: F401  (only to say how to install it)
    except ImportError:
        print('mutmut is not installed: .venv/bin/pip install ".[mutation]"', file=sys.stderr)
        return 2
    if not args.report:
        if args.module:
            patterns = args.module
        elif args.layer == "all":
            patterns = [p for layer in LAYERS.values() for p in layer]
        else:
            patterns = LAYERS[args.layer]
        prepare(patterns, args.tests)
        print(f"Mutating {', '.join(patterns)} in {WORK} ...", flush=True)
        run_mutmut("run", "--max-children", str(args.max_children))
    return report(args.diffs)


if __name__ == "__main__":
    sys.exit(main())
