"""`python -m daemon` is the igsync CLI."""

from daemon.cli import main

main()
