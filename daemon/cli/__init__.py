"""The igsync command line (typer). The app and its groups are in `app.py`; each family of
commands has a module of its own, and importing it registers its commands, in the order
`igsync --help` lists them (hence the order below)."""

# isort: skip_file
from daemon.cli.app import app, main
from daemon.cli import running, work, database, pairing, setup

__all__ = ["app", "database", "main", "pairing", "running", "setup", "work"]
