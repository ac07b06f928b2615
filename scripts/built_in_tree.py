"""Write infoshare_cli/checklist/built_in_tree.json from questions.yaml.

Run it after changing questions.yaml (tests/test_performance.py fails until then; until
then the tool parses the YAML itself, as it always may):

    python scripts/built_in_tree.py
"""

from infoshare_cli.checklist import loading


def main() -> None:
    text, _ = loading.default_questions_text()
    loading.BUILT_IN_TREE.write_text(loading.built_in_tree_text(text), encoding="utf-8")
    print(f"Wrote {loading.BUILT_IN_TREE}")


if __name__ == "__main__":
    main()
