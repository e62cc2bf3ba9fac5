"""`later-reporting auth check`: verify the configured credentials (never shows the token)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from later_reporting._client import Client
from later_reporting.cli._common import credential_options, credentials, handle_errors, printable


@click.group(short_help="Check the API credentials.")
def auth() -> None:
    """Check that the configured API credentials work (the token is never shown).

    \b
    Example:
      later-reporting auth check --env-file later.env
    """


@auth.command(short_help="Exchange the credentials for a token and list the instances.")
@credential_options
@handle_errors
def check(
    env_file: Path | None, base_url: str | None, client_id: str | None, client_secret_stdin: bool
) -> None:
    """Exchange the credentials for a token, list the instances, show when the token expires.

    \b
    Example:
      printf '%s\\n' "$SECRET" | later-reporting auth check --client-id my-id --client-secret-stdin
    """
    settings = credentials(env_file, base_url, client_id, client_secret_stdin)
    with Client(**settings) as client:
        expires = client.authenticate()
        instances = list(client.instances.list())
        click.echo(
            f"Credentials OK for client {printable(str(settings['client_id']))} "
            f"at {client.base_url}"
        )
        if expires is None:
            click.echo("Token expiry: unknown (the token is not a JWT with an exp claim)")
        else:
            when = dt.datetime.fromtimestamp(expires, dt.UTC)
            left = when - dt.datetime.now(dt.UTC)
            click.echo(
                f"Token expires: {when:%Y-%m-%d %H:%M:%S} UTC "
                f"(in {int(left.total_seconds() // 60)} min)"
            )
        click.echo(f"Instances ({len(instances)}): {printable(', '.join(instances))}")
