"""The igsync typer app: its groups, the root options (--version), and main()."""

from __future__ import annotations

from typing import Annotated

import typer

from daemon import __version__
from daemon.cli import customers
from daemon.cli.context import out

app = typer.Typer(
    name="igsync",
    help="igsync: Instagram leads for WooCommerce. Exchanges forwarded authorization codes, "
    "stores customers and pushes leads back to WordPress.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold tokens
    # Click's own help: paragraphs rewrapped to the terminal (up to 100 columns), flags without a
    # type; rich's boxes kept a docstring's line breaks and showed every flag as <bool>.
    rich_markup_mode=None,
    context_settings={"max_content_width": 100},
)
app.add_typer(customers.app, name="customers")
deliveries_app = typer.Typer(help="Leads on their way to WordPress.", no_args_is_help=True)
tokens_app = typer.Typer(help="Long-lived Instagram tokens.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys and the shared secret.", no_args_is_help=True)
app.add_typer(deliveries_app, name="deliveries")
app.add_typer(tokens_app, name="tokens")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
MIGRATION_FAILED_STATUS = 78  # EX_CONFIG; systemd/igsync.service: RestartPreventExitStatus=78


def _version(value: bool) -> None:
    if value:
        out.print(f"igsync {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Settings come from IGSYNC_* variables and the file named by IGSYNC_ENV_FILE (or ./.env)."""


def main() -> None:
    app()
