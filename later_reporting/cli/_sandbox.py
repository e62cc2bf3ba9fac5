"""`later-reporting sandbox`: serve the local implementation of the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import socket
from typing import TYPE_CHECKING, cast

import click

from later_reporting.cli._common import EXIT_USAGE

if TYPE_CHECKING:
    from later_reporting.sandbox._query import ArrayEncoding, DateBasisSpelling


@click.command(short_help="Serve the sandbox: the API locally, with demo credentials.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port, printed at start).",
)
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
    "--no-compress",
    is_flag=True,
    help="Never gzip responses (by default they are gzipped when the client asks).",
)
@click.option(
    "--date-basis-spelling",
    type=click.Choice(["post_date", "postDate"]),
    default="post_date",
    show_default=True,
    help="Spelling of dateBasis values the server accepts (post_date or postDate style).",
)
@click.option(
    "--no-rate-limit-headers",
    is_flag=True,
    help="Send no X-Ratelimit-Limit / X-Ratelimit-Window headers.",
)
@click.option(
    "--array-encodings",
    default="comma,repeat,brackets",
    show_default=True,
    help="Array encodings accepted: comma (a,b), repeat (k=a&k=b), brackets (k[]=a).",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The sandbox's today (YYYY-MM-DD): later posts do not exist yet, recent ones still grow.",
)
@click.option(
    "--even-post-rate",
    is_flag=True,
    help="Spread the posts evenly over the data's days (default: the post rate grows).",
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
    no_compress: bool,
    date_basis_spelling: str,
    no_rate_limit_headers: bool,
    array_encodings: str,
    as_of: dt.datetime | None,
    even_post_rate: bool,
) -> None:
    """Serve the sandbox: a faithful local Reporting API with demo credentials
    (demo-client / demo-secret), limited to 120 requests per minute unless --rate-limit 0.

    \b
    Example:
      later-reporting sandbox --port 8000 --rate-limit 0
    """
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
        compress=not no_compress,
        as_of=as_of.date() if as_of else None,
        even_post_rate=even_post_rate,
    )
    try:
        # SandboxConfig checks both values and names the valid ones when they are wrong.
        config = dataclasses.replace(
            config,
            date_basis_spelling=cast("DateBasisSpelling", date_basis_spelling),
            rate_limit_headers=not no_rate_limit_headers,
            array_encodings=cast(
                "tuple[ArrayEncoding, ...]",
                tuple(e.strip() for e in array_encodings.split(",") if e.strip()),
            ),
        )
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    app = create_app(config)
    listener = bind(host, port)  # before saying anything: a busy port is an error, not a banner
    bound = listener.getsockname()[1]
    click.echo(
        f"Sandbox on http://{host}:{bound}  (client id demo-client, client secret demo-secret)",
        err=True,
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or exit 2 saying why (say, the port is taken)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        click.echo(f"error: cannot bind to {host}: {exc.strerror}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    family, kind, proto, _, address = infos[0]
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
        listener.listen(2048)
    except OSError as exc:
        listener.close()
        reason = (
            "is already in use"
            if exc.errno == errno.EADDRINUSE
            else f"cannot be bound ({exc.strerror})"
        )
        click.echo(f"error: port {port} on {host} {reason}; pick another with --port", err=True)
        raise SystemExit(EXIT_USAGE) from None
    return listener
