"""One module per group of commands; ``infoshare_cli.cli`` puts them together."""
