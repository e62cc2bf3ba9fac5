"""What every command shares: exit codes, credentials, error reporting, progress."""

from __future__ import annotations

import functools
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict, TypeVar

import click

from later_reporting._errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    DriftError,
    LaterReportingError,
    PermissionDeniedError,
    UnsupportedMetricError,
    ValidationError,
)

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_API = 4
EXIT_INTERRUPTED = 130
ENV_KEYS = (
    "LATER_REPORTING_CLIENT_ID",
    "LATER_REPORTING_CLIENT_SECRET",
    "LATER_REPORTING_BASE_URL",
)
ENV_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")

F = TypeVar("F", bound=Callable[..., Any])


class UsageProblem(Exception):
    """Bad input found by the command itself: one line, exit 2."""


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (``export`` prefix, quotes and comments allowed)."""
    try:
        text = path.read_text(encoding="utf-8")
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
    return {
        "client_id": client_id or source.get("LATER_REPORTING_CLIENT_ID"),
        "client_secret": secret,
        "base_url": base_url or source.get("LATER_REPORTING_BASE_URL"),
    }


def describe(error: APIError) -> str:
    text = str(error)
    if isinstance(error, UnsupportedMetricError) and error.valid_metrics:
        text += f" [valid metrics: {', '.join(error.valid_metrics)}]"
    return text


def _raise_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: stop now. A second signal is ignored, so that it cannot cut the
    cleanup short (the temporary file is removed, the exit status is 130)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def handle_errors(command: F) -> F:
    """Map every failure to its exit code and one clear line on stderr (no traceback)."""

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
        except (
            UsageProblem,
            ValidationError,
            ConfigurationError,
            ValueError,
            FileNotFoundError,
        ) as exc:
            fail(str(exc), EXIT_USAGE)
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

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()
