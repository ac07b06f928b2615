"""Allow ``python -m infoshare_cli``."""

from infoshare_cli.cli import main

main()
