"""`later-reporting sandbox`: serve the local implementation of the API."""

from __future__ import annotations

import datetime as dt

import click

from later_reporting.cli._common import EXIT_USAGE


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--seed", default=7, show_default=True, help="Dataset seed.")
@click.option(
    "--token-lifetime",
    default=3600.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds before an issued JWT expires.",
)
@click.option(
    "--rate-limit",
    default=120,
    show_default=True,
    type=click.IntRange(0),
    help="Requests per minute per client address; 0 turns limiting off.",
)
@click.option("--latency-ms", default=0.0, type=click.FloatRange(0), help="Added latency.")
@click.option("--jitter-ms", default=0.0, type=click.FloatRange(0), help="Random extra latency.")
@click.option("--error-rate", default=0.0, type=click.FloatRange(0, 1), help="Share of 500s.")
@click.option(
    "--rate-limit-error-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Share of injected 429s.",
)
@click.option(
    "--retry-after-rate",
    default=0.5,
    type=click.FloatRange(0, 1),
    help="Share of injected 429s that carry Retry-After.",
)
@click.option(
    "--drop-rate", default=0.0, type=click.FloatRange(0, 1), help="Share of dropped connections."
)
@click.option("--fault-seed", default=0, help="Seed of the fault draws.")
@click.option("--cursor-paging", is_flag=True, help="Page with limit/nextCursor, no totals.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The sandbox's today (YYYY-MM-DD): later posts do not exist yet, recent ones still grow.",
)
def sandbox(
    host: str,
    port: int,
    seed: int,
    token_lifetime: float,
    rate_limit: int,
    latency_ms: float,
    jitter_ms: float,
    error_rate: float,
    rate_limit_error_rate: float,
    retry_after_rate: float,
    drop_rate: float,
    fault_seed: int,
    cursor_paging: bool,
    as_of: dt.datetime | None,
) -> None:
    """Serve the sandbox: a faithful local Reporting API with demo credentials."""
    try:
        import uvicorn

        from later_reporting.sandbox import Faults, SandboxConfig, create_app
    except ImportError:
        click.echo(
            "error: the sandbox needs the 'sandbox' extra: pip install 'later-reporting[sandbox]'",
            err=True,
        )
        raise SystemExit(EXIT_USAGE) from None
    try:
        faults = Faults(
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            error_rate=error_rate,
            rate_limit_rate=rate_limit_error_rate,
            retry_after_rate=retry_after_rate,
            drop_rate=drop_rate,
            seed=fault_seed,
        )
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    config = SandboxConfig(
        seed=seed,
        token_lifetime=token_lifetime,
        rate_limit=rate_limit or None,
        faults=faults,
        cursor_paging=cursor_paging,
        as_of=as_of.date() if as_of else None,
    )
    app = create_app(config)
    click.echo(
        f"Sandbox on http://{host}:{port}  (client id demo-client, client secret demo-secret)",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="off")
