"""A sandbox whose clock the test moves, and the full fresh pull the warehouse must equal."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import duckdb
import httpx
from starlette.types import Receive, Scope, Send

import later_reporting as lr
from later_reporting.dlt import _source as s
from later_reporting.dlt import _windows as w
from later_reporting.sandbox import Faults, SandboxApp, SandboxConfig, serve_in_thread

POSTS = 3_000  # about 3 posts a day: small, but every report has rows every day
DATASET = "later"


class ClockedSandbox(SandboxApp):
    """One server whose sandbox is rebuilt at each ``set_day`` (same tokens, new as_of).

    A ``SandboxApp`` only so that ``serve_in_thread`` serves it; every request goes to the
    sandbox of the current day.
    """

    def __init__(self, day: dt.date, faults: Faults | None = None) -> None:
        # The wrapped sandbox holds all state; this object only routes to it.
        self.faults = faults or Faults()
        self.app = self._app(day)

    def _app(self, day: dt.date) -> SandboxApp:
        return SandboxApp(
            SandboxConfig(posts=POSTS, rate_limit=None, as_of=day, faults=self.faults)
        )

    def set_day(self, day: dt.date) -> None:
        app = self._app(day)
        app.tokens = self.app.tokens  # tokens stay valid across the night
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class FailAfter(httpx.BaseTransport):
    """A transport that refuses every request after the first ``allowed`` (an outage)."""

    def __init__(self, allowed: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.allowed = allowed
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.sent > self.allowed:
            raise httpx.ConnectError("outage", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@contextlib.contextmanager
def sandbox(day: dt.date, faults: Faults | None = None) -> Iterator[tuple[ClockedSandbox, str]]:
    clocked = ClockedSandbox(day, faults)
    with serve_in_thread(clocked) as url:
        yield clocked, url


def client(url: str, transport: httpx.BaseTransport | None = None, retries: int = 2) -> lr.Client:
    return lr.Client(
        base_url=url,
        client_id="demo-client",
        client_secret="demo-secret",
        rate_limit=None,
        concurrency=4,
        max_retries=retries,
        transport=transport,
    )


def pipeline(folder: Path, name: str = "later") -> Any:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(folder / f"{name}-warehouse.duckdb")),
        dataset_name=DATASET,
        pipelines_dir=str(folder / "pipelines"),
    )


def database(folder: Path, name: str = "later") -> Path:
    return folder / f"{name}-warehouse.duckdb"


def root(error: BaseException) -> BaseException:
    """The error a dlt pipeline step wraps."""
    from later_reporting.cli._sync import root_cause

    return root_cause(error)


def table_rows(database: Path, table: s.Table) -> list[dict[str, Any]]:
    """The rows of a loaded table (without dlt's own columns), sorted by key."""
    names = [c.name for c in s.table_columns(table, s.REPORTS[table.report].default_metrics)]
    with duckdb.connect(str(database)) as con:
        sql = f"SELECT {', '.join(names)} FROM {DATASET}.{table.name}"  # noqa: S608 - our names
        rows = con.sql(sql).to_arrow_table().to_pylist()
    return sorted(rows, key=lambda r: [str(r[k]) for k in s.primary_key(table)])


def fresh_pull(
    c: lr.Client, table: s.Table, start: dt.date, today: dt.date
) -> list[dict[str, Any]]:
    """Everything from ``start`` to ``today`` read anew: no bookmark, no lookback, no merge.

    Posts by post date and the time series by performance date in one call each; aggregates
    one call per calendar month, as the warehouse tables hold them.
    """
    report = s.REPORTS[table.report]
    cols = s.table_columns(table, report.default_metrics)
    schema = s.table_schema(cols, s.primary_key(table))
    plan = s.Plan(c, start, today, 0, 24, None, "day", None, {}, 100)
    if table.kind == "period":
        rows: list[dict[str, Any]] = []
        month = w.month_start(start)
        while month <= today:
            first = max(month, start)
            last = min(w.next_month(month) - dt.timedelta(days=1), today)
            rows.extend(
                {**row, "periodStart": first, "periodEnd": last}
                for row in s.report_rows(plan, report, s.options_for(plan, table, first, last))
            )
            month = w.next_month(month)
    else:
        rows = list(s.report_rows(plan, report, s.options_for(plan, table, start, today)))
    out: list[dict[str, Any]] = []
    for arrow in s.arrow_tables(iter(rows), cols, schema):
        out.extend(arrow.to_pylist())
    return sorted(out, key=lambda r: [str(r[k]) for k in s.primary_key(table)])


def assert_equal_to_fresh_pull(
    database: Path, c: lr.Client, reports: list[str], start: dt.date, today: dt.date
) -> None:
    for name in reports:
        table = s.TABLES[name]
        loaded = table_rows(database, table)
        keys = [tuple(r[k] for k in s.primary_key(table)) for r in loaded]
        assert len(keys) == len(set(keys)), f"{table.name}: duplicate keys on {today}"
        expected = fresh_pull(c, table, start, today)
        assert loaded == expected, f"{table.name} differs from a fresh pull on {today}"
