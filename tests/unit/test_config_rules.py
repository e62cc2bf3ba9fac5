"""Client settings: arguments win over the environment, every bound is checked with a clear
error, and the resolved timeouts, retries, concurrency and rate are the ones asked for."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import later_reporting as lr
from later_reporting._config import Secret, check_base_url, resolve

ENV = ("LATER_REPORTING_CLIENT_ID", "LATER_REPORTING_CLIENT_SECRET", "LATER_REPORTING_BASE_URL")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def settings(**overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": "secret",
        "base_url": "https://api.example.test",
        "timeout": 30.0,
        "max_retries": 2,
        "concurrency": 4,
        "rate_limit": 120,
    }
    arguments.update(overrides)
    return resolve(**arguments)


def test_every_setting_is_kept_as_given() -> None:
    s = settings(timeout=12.5, max_retries=5, concurrency=7, rate_limit=30)
    assert s.client_id == "demo"
    assert s.client_secret.reveal() == "secret"
    assert s.base_url == "https://api.example.test"
    assert s.timeout == httpx.Timeout(12.5, connect=10.0)
    assert s.total_timeout == 12.5
    assert (s.max_retries, s.concurrency, s.rate_limit) == (5, 7, 30)
    assert settings(rate_limit=None).rate_limit is None


def test_credentials_and_base_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LATER_REPORTING_CLIENT_ID", "env-id")
    monkeypatch.setenv("LATER_REPORTING_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("LATER_REPORTING_BASE_URL", "https://staging.example.test/")
    s = settings(client_id=None, client_secret=None, base_url=None)
    assert (s.client_id, s.client_secret.reveal()) == ("env-id", "env-secret")
    assert s.base_url == "https://staging.example.test"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATER_REPORTING_CLIENT_ID", "env-id")
    monkeypatch.setenv("LATER_REPORTING_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("LATER_REPORTING_BASE_URL", "https://staging.example.test")
    s = settings(client_id="arg-id", client_secret="arg-secret")
    assert (s.client_id, s.client_secret.reveal()) == ("arg-id", "arg-secret")
    assert s.base_url == "https://api.example.test"


def test_without_a_base_url_the_production_api_is_used() -> None:
    # README "Credentials"; contract-decisions.md "Hosts and paths".
    assert settings(base_url=None).base_url == "https://reporting.api.later.com"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_id": None}, "no client ID: pass client_id= or set LATER_REPORTING_CLIENT_ID"),
        ({"client_id": "   "}, "no client ID"),
        (
            {"client_secret": None},
            "no client secret: pass client_secret= or set LATER_REPORTING_CLIENT_SECRET",
        ),
        ({"client_secret": ""}, "no client secret"),
    ],
)
def test_missing_credentials_are_named(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(lr.ConfigurationError, match=message):
        settings(**overrides)


def test_the_client_id_is_trimmed() -> None:
    assert settings(client_id="  demo \n").client_id == "demo"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://api.example.test/", "https://api.example.test"),
        ("  https://api.example.test//  ", "https://api.example.test"),
        ("https://proxy.example.test/tenants/X/", "https://proxy.example.test/tenants/X"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://sandbox.localhost:8000", "http://sandbox.localhost:8000"),
    ],
)
def test_base_urls_accepted_and_trailing_slashes_dropped(url: str, kept: str) -> None:
    assert check_base_url(url) == kept


def test_plain_http_to_a_remote_host_is_refused_with_the_fix() -> None:
    with pytest.raises(lr.ConfigurationError) as caught:
        check_base_url("http://api.example.test")
    assert str(caught.value) == (
        "base URL 'http://api.example.test' uses http:// to a non-local host; use https:// "
        "(plain http is allowed only for loopback hosts such as the sandbox)"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost.example.test",
        "http://10.0.0.1",
        "http:// 127.0.0.1:8000",  # not an address: a typo is not taken for loopback
    ],
)
def test_hosts_that_only_look_local_are_remote(url: str) -> None:
    with pytest.raises(lr.ConfigurationError, match="non-local host"):
        check_base_url(url)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timeout": 0}, "timeout must be a finite positive number of seconds, got 0"),
        ({"timeout": -1.0}, "timeout must be a finite positive number of seconds"),
        ({"timeout": "30"}, "timeout must be a finite positive number of seconds, got '30'"),
        ({"timeout": True}, "timeout must be a finite positive number of seconds, got True"),
        ({"max_retries": -1}, r"max_retries must be a whole number >= 0, got -1"),
        ({"max_retries": "2"}, r"max_retries must be a whole number >= 0, got '2'"),
        ({"max_retries": True}, r"max_retries must be a whole number >= 0, got True"),
        ({"max_retries": 1.5}, r"max_retries must be a whole number >= 0"),
        ({"concurrency": 0}, "concurrency must be between 1 and 64, got 0"),
        ({"concurrency": 65}, "concurrency must be between 1 and 64, got 65"),
        ({"concurrency": "4"}, "concurrency must be between 1 and 64, got '4'"),
        ({"concurrency": True}, "concurrency must be between 1 and 64, got True"),
        ({"rate_limit": 0}, "rate_limit must be a positive number of requests per minute"),
        ({"rate_limit": "60"}, "got '60'"),
        ({"rate_limit": True}, "got True"),
        ({"rate_limit": 2.5}, "got 2.5"),
    ],
)
def test_out_of_range_settings_are_refused_by_name(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(lr.ConfigurationError, match=message):
        settings(**overrides)


def test_the_rate_limit_message_says_what_is_valid() -> None:
    with pytest.raises(lr.ConfigurationError) as caught:
        settings(rate_limit=-5)
    assert str(caught.value) == (
        "rate_limit must be a positive number of requests per minute, or None; got -5"
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"timeout": 0.5},
        {"timeout": 1},
        {"max_retries": 0},
        {"concurrency": 1},
        {"concurrency": 64},
        {"rate_limit": 1},
    ],
)
def test_the_smallest_and_largest_valid_settings_are_accepted(overrides: dict[str, Any]) -> None:
    s = settings(**overrides)
    for name, value in overrides.items():
        if name != "timeout":
            assert getattr(s, name) == value


def test_a_short_timeout_also_bounds_the_connect_timeout() -> None:
    s = settings(timeout=0.5)
    assert s.timeout == httpx.Timeout(0.5, connect=0.5)
    assert s.total_timeout == 0.5
    s = settings(timeout=45)
    assert s.timeout == httpx.Timeout(45.0, connect=10.0)
    assert s.total_timeout == 45.0


@pytest.mark.parametrize(
    ("timeout", "total"),
    [
        (httpx.Timeout(5.0), 30.0),  # a request's total deadline is at least 30 s
        (httpx.Timeout(45.0, connect=5.0), 45.0),
        (httpx.Timeout(5.0, connect=50.0), 50.0),
        (httpx.Timeout(None), 30.0),
    ],
)
def test_an_httpx_timeout_is_used_as_given(timeout: httpx.Timeout, total: float) -> None:
    s = settings(timeout=timeout)
    assert s.timeout is timeout
    assert s.total_timeout == total


def test_a_secret_never_shows_itself() -> None:
    secret = Secret("hunter2")
    assert repr(secret) == "Secret('**********')"
    assert str(secret) == "Secret('**********')"
    assert secret.reveal() == "hunter2"


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_the_clients_timeout_applies_to_every_request(kind: str) -> None:
    seen: list[dict[str, float]] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        if request.method == "POST":
            return httpx.Response(200, json={"jwt": "opaque"})
        return httpx.Response(
            200,
            json={
                "data": {"instanceIds": ["a"]},
                "pagination": {"page": 1, "pageSize": 50, "totalPages": 1, "totalItems": 1},
            },
        )

    options: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": "secret",
        "base_url": "https://api.example.test",
        "rate_limit": None,
        "timeout": httpx.Timeout(7.0, connect=2.0, pool=1.0),
        "transport": httpx.MockTransport(reply),
    }
    if kind == "sync":
        with lr.Client(**options) as client:
            assert list(client.instances.list()) == ["a"]
    else:
        async with lr.AsyncClient(**options) as aclient:
            assert [i async for i in aclient.instances.list()] == ["a"]
    expected = {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 1.0}
    assert seen == [expected, expected]  # the token POST and the report GET
