"""What every command shares: exit codes, credentials, error reporting, progress."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypedDict, TypeVar

import click

from later_reporting._client import Client
from later_reporting._errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    DriftError,
    LaterReportingError,
    OptionError,
    PermissionDeniedError,
    UnsupportedMetricError,
    ValidationError,
)

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_API = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head`
ENV_KEYS = (
    "LATER_REPORTING_CLIENT_ID",
    "LATER_REPORTING_CLIENT_SECRET",
    "LATER_REPORTING_BASE_URL",
)
ENV_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")

F = TypeVar("F", bound=Callable[..., Any])


class UsageProblem(Exception):
    """Bad input found by the command itself: one line, exit 2."""


def printable(text: str) -> str:
    """``text`` with control and format characters escaped (``\\x1b``, ``\\n``, ``\\u202e``),
    so text from a server or a file name cannot forge lines or terminal escapes."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def fail(message: str, code: int) -> None:
    click.echo(f"error: {printable(message)}", err=True)
    raise SystemExit(code)


def warn(message: str) -> None:
    click.echo(f"warning: {printable(message)}", err=True)


def suggest(name: str, valid: Sequence[str]) -> str:
    """``"; did you mean X?"`` for the nearest valid names, or ``""``."""
    close = difflib.get_close_matches(name, list(valid), n=3, cutoff=0.6)
    if not close:
        by_case = [v for v in valid if v.lower() == name.lower()]
        close = by_case
    return f"; did you mean {' or '.join(close)}?" if close else ""


class ChoiceWithHints(click.Choice):  # type: ignore[type-arg]  # generic only in newer click
    """A ``click.Choice`` whose error adds "did you mean ..." for a near miss."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            hint = suggest(str(value), [str(c) for c in self.choices])
            if not hint:
                raise
            raise click.BadParameter(f"{exc.message}{hint}", ctx, param) from None


# Python argument names in SDK messages, and the flag a command-line user types instead.
FLAGS = {
    "client_id": "--client-id",
    "client_secret": "--client-secret-stdin",
    "base_url": "--base-url",
    "max_retries": "--max-retries",
    "concurrency": "--concurrency",
    "instance_ids": "--instance-id",
    "campaign_ids": "--campaign-id",
    "platforms": "--platform",
    "content_types": "--content-type",
    "date_basis": "--date-basis",
    "sort_property": "--sort-property",
    "sort_direction": "--sort-direction",
    "granularity": "--granularity",
    "page_size": "--page-size",
    "max_items": "--max-items",
    "metrics": "--metrics",
    "start": "--start",
    "end": "--end",
}
_PYTHON_NAME = re.compile(r"\b(?:pass )?(" + "|".join(k for k in FLAGS if "_" in k) + r")\b=?")


def for_people(error: Exception) -> str:
    """An SDK message in command-line words: flags, not Python arguments."""
    text = str(error)
    parameter = getattr(error, "parameter", None)
    if parameter in FLAGS and text.startswith(f"{parameter}:"):
        text = FLAGS[parameter] + text[len(parameter) :]
    elif text.startswith("concurrency "):
        text = "--" + text
    return _PYTHON_NAME.sub(
        lambda m: ("give " if m.group().startswith("pass ") else "") + FLAGS[m.group(1)], text
    )


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (``export`` prefix, quotes and comments allowed; a UTF-8 byte
    order mark, as some Windows editors write, is fine)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageProblem(f"cannot read env file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageProblem(f"env file {path} is not UTF-8 text") from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = ENV_LINE.fullmatch(line)
        if match is None:
            raise UsageProblem(f"env file {path}, line {number}: expected KEY=VALUE")
        key, value = match.group(1), match.group(2).strip()
        if value[:1] in ("'", '"'):
            if len(value) < 2 or value[-1] != value[0]:
                raise UsageProblem(f"env file {path}, line {number}: unterminated quote")
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        values[key] = value
    return values


class ClientSettings(TypedDict):
    client_id: str | None
    client_secret: str | None
    base_url: str | None


def credentials(
    env_file: Path | None, base_url: str | None, client_id: str | None, secret_from_stdin: bool
) -> ClientSettings:
    """Client settings: flags, then the env file, then the environment."""
    source = dict(os.environ)
    if env_file is not None:
        source.update(read_env_file(env_file))
    secret = source.get("LATER_REPORTING_CLIENT_SECRET")
    if secret_from_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            raise UsageProblem("--client-secret-stdin: nothing was read from standard input")
    cid = client_id or source.get("LATER_REPORTING_CLIENT_ID")
    where = " (in the environment or an --env-file)"
    if not cid or not cid.strip():
        raise UsageProblem(
            f"no client ID: give --client-id or set LATER_REPORTING_CLIENT_ID{where}"
        )
    if not secret:
        raise UsageProblem(
            "no client secret: set LATER_REPORTING_CLIENT_SECRET"
            f"{where}, or pipe it in with --client-secret-stdin"
        )
    return {
        "client_id": cid,
        "client_secret": secret,
        "base_url": base_url or source.get("LATER_REPORTING_BASE_URL"),
    }


def rate_limit_option(command: F) -> F:
    """``--rate-limit``: the client's budget of requests per minute (0: none of its own)."""
    option = click.option(
        "--rate-limit",
        type=click.IntRange(0),
        default=120,
        show_default=True,
        envvar="LATER_REPORTING_RATE_LIMIT",
        help="Requests per minute at most (the server's rate-limit headers can lower it); "
        "0: no budget of our own, for a quota above 120 or a local sandbox.",
    )
    return option(command)


def credential_options(command: F) -> F:
    """The options every command that calls the API takes for its credentials."""
    for option in reversed(
        (
            click.option(
                "--env-file",
                type=click.Path(path_type=Path),
                help="Read LATER_REPORTING_* settings from a KEY=VALUE file.",
            ),
            click.option(
                "--base-url",
                help="API base URL (default: LATER_REPORTING_BASE_URL, else the public API).",
            ),
            click.option(
                "--client-id", help="OAuth client id (default: LATER_REPORTING_CLIENT_ID)."
            ),
            click.option(
                "--client-secret-stdin",
                is_flag=True,
                help="Read the client secret from standard input (default: "
                "LATER_REPORTING_CLIENT_SECRET; never a flag, so it stays out of `ps`).",
            ),
        )
    ):
        command = option(command)
    return command


def client_options(command: F) -> F:
    """The options every command that calls the API takes for its client: how many pages
    at once, and how many retries."""
    for option in reversed(
        (
            click.option(
                "--concurrency",
                type=int,
                default=4,
                show_default=True,
                help="Pages fetched at once (1-64).",
            ),
            click.option(
                "--max-retries",
                type=click.IntRange(0, 20),
                default=2,
                show_default=True,
                envvar="LATER_REPORTING_MAX_RETRIES",
                help="Retries of a failed request (429, 5xx, timeouts, dropped connections).",
            ),
        )
    ):
        command = option(command)
    return command


@contextlib.contextmanager
def demo_client(as_of: dt.date | None = None, **options: Any) -> Iterator[Client]:
    """A client of the sandbox, served in a thread for the block: what ``demo`` reads, with
    no credentials and no network. Raises ``ImportError`` without the sandbox's extra."""
    from later_reporting.sandbox import (
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        SandboxConfig,
        serve_in_thread,
    )

    with (
        serve_in_thread(SandboxConfig(rate_limit=None, as_of=as_of)) as base_url,
        Client(
            base_url=base_url,
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            rate_limit=None,
            concurrency=8,
            **options,
        ) as client,
    ):
        yield client


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that exiting does not try to flush into a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout has no descriptor (captured): nothing to flush
        pass


def describe(error: APIError) -> str:
    text = str(error)
    listed = "valid metrics" in text.lower()  # the server's detail may list them already
    if isinstance(error, UnsupportedMetricError) and error.valid_metrics and not listed:
        text += f" [valid metrics: {', '.join(error.valid_metrics)}]"
    return text


def _raise_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: stop now. A second signal is ignored, so that it cannot cut the
    cleanup short (the temporary file is removed, the exit status is 130)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def handle_errors(command: F) -> F:
    """Map every failure the SDK or the command reports to its exit code and one clear line
    on stderr (no traceback). Anything else is a bug and propagates as one (exit 1)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = {
            signum: signal.signal(signum, _raise_interrupt)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        interrupted = False
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            interrupted = True
            click.echo("interrupted: no file was written", err=True)
            raise SystemExit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`| head`): what it wanted was written; end quietly.
            _quiet_stdout()
            raise SystemExit(EXIT_BROKEN_PIPE) from None
        except (UsageProblem, OptionError, FileNotFoundError) as exc:
            # An OptionError already names the flag; a stray ValueError (a bug) is not
            # bad input and goes on as an unexpected error (a traceback, exit 1).
            fail(str(exc), EXIT_USAGE)
        except (ValidationError, ConfigurationError) as exc:
            fail(for_people(exc), EXIT_USAGE)
        except (AuthenticationError, PermissionDeniedError) as exc:
            fail(describe(exc), EXIT_AUTH)
        except APIError as exc:
            fail(describe(exc), EXIT_API)
        except (DriftError, LaterReportingError) as exc:
            fail(str(exc), EXIT_API)
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_API)
        finally:
            if not interrupted:  # interrupted, the process is ending: further signals stay ignored
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
        return None

    return wrapper  # type: ignore[return-value]


class Progress:
    """Rows, rate and ETA on stderr, only when stderr is a terminal and not --quiet."""

    def __init__(self, label: str, quiet: bool) -> None:
        self.label = label
        self.quiet = quiet
        self.enabled = not quiet and sys.stderr.isatty()
        self.started = time.monotonic()
        self.last = 0.0
        self.rows = 0

    def update(self, rows: int, total: int | None) -> None:
        self.rows = rows
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        rate = rows / max(now - self.started, 1e-6)
        text = f"\r{self.label}: {rows:,}"
        if total:
            eta = (total - rows) / rate if rate else 0
            text += f"/{total:,} rows ({rows / total:.0%}), {rate:,.0f} rows/s, ETA {eta:.0f}s"
        else:
            text += f" rows, {rate:,.0f} rows/s"
        sys.stderr.write(text.ljust(79))
        sys.stderr.flush()

    def waiting(self, seconds: float, reason: str) -> None:
        """A wait the SDK announced: on the bar on a terminal, else one line on stderr."""
        text = f"waiting {seconds:.0f} s: {printable(reason)}"
        if self.enabled:
            sys.stderr.write(f"\r{self.label}: {self.rows:,} rows, {text}".ljust(79))
            sys.stderr.flush()
            self.last = time.monotonic()
        elif not self.quiet:
            click.echo(text, err=True)

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()
