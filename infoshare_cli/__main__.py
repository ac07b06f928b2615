"""Allow ``python -m infoshare_cli``."""

from infoshare_cli.cli.main import main

main()
