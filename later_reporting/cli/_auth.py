"""`later-reporting auth check`: verify the configured credentials (never shows the token)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from later_reporting._client import Client
from later_reporting.cli._common import credentials, handle_errors


@click.group()
def auth() -> None:
    """Credentials."""


@auth.command()
@click.option(
    "--env-file",
    type=click.Path(path_type=Path),
    help="Read LATER_REPORTING_* settings from a KEY=VALUE file.",
)
@click.option("--base-url", help="API base URL (default: env or the public API).")
@click.option("--client-id", help="OAuth client id (default: env).")
@click.option(
    "--client-secret-stdin", is_flag=True, help="Read the client secret from standard input."
)
@handle_errors
def check(
    env_file: Path | None, base_url: str | None, client_id: str | None, client_secret_stdin: bool
) -> None:
    """Exchange the credentials for a token, list the instances, show when the token expires."""
    settings = credentials(env_file, base_url, client_id, client_secret_stdin)
    with Client(**settings) as client:
        expires = client.authenticate()
        instances = list(client.instances.list())
        click.echo(f"Credentials OK for client {settings['client_id']} at {client.base_url}")
        if expires is None:
            click.echo("Token expiry: unknown (the token is not a JWT with an exp claim)")
        else:
            when = dt.datetime.fromtimestamp(expires, dt.UTC)
            left = when - dt.datetime.now(dt.UTC)
            click.echo(
                f"Token expires: {when:%Y-%m-%d %H:%M:%S} UTC "
                f"(in {int(left.total_seconds() // 60)} min)"
            )
        click.echo(f"Instances ({len(instances)}): {', '.join(instances)}")
