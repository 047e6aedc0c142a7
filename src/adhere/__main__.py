"""``python -m adhere`` runs the command line."""

from adhere.cli.main import run

run()
