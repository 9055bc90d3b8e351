"""Run the command line: ``python -m policydiff``."""

from policydiff.cli import cli

if __name__ == "__main__":
    cli(prog_name="policydiff")
