"""Proxies as httpx honours them (environment, NO_PROXY, proxy=), and a caller's own client."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
import trustme
from httpx._utils import get_environment_proxies  # the behaviour mirrored, as an oracle

import later_reporting as lr
from later_reporting._proxies import environment_proxies
from tests.reliability.proxy import serve_proxy
from tests.unit.helpers import BASE, SECRET, jwt

DEMO = {"client_id": "demo-client", "client_secret": "demo-secret"}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


@pytest.fixture(autouse=True)
def _no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def instances(kind: str, **options: Any) -> list[str]:
    if kind == "sync":
        with lr.Client(**options) as client:
            return list(client.instances.list())

    async def main() -> list[str]:
        async with lr.AsyncClient(**options) as client:
            return [i async for i in client.instances.list()]

    return asyncio.run(main())


@KINDS
def test_http_proxy_from_the_environment_carries_every_request(
    kind: str, sandbox_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert instances(kind, base_url=sandbox_url, **DEMO) == ["instance_abc", "instance_def"]
    assert proxy.seen == [
        f"POST {sandbox_url}/oauth/token",
        f"GET {sandbox_url}/v2/instances?pageSize=100&pageNumber=1",
    ]


@KINDS
def test_no_proxy_bypasses_the_proxy(
    kind: str, sandbox_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_name = sandbox_url.replace("127.0.0.1", "localhost")  # the same sandbox, not exempt
    with serve_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "example.org,127.0.0.1")
        assert instances(kind, base_url=sandbox_url, **DEMO) == ["instance_abc", "instance_def"]
        assert instances(kind, base_url=by_name, **DEMO) == ["instance_abc", "instance_def"]
    assert [line.split("/")[2] for line in proxy.seen] == [by_name.split("/")[2]] * 2


@KINDS
@pytest.mark.parametrize("given", ["url", "httpx.Proxy"])
def test_an_explicit_proxy_carries_every_request(kind: str, given: str, sandbox_url: str) -> None:
    with serve_proxy() as proxy:
        option = proxy.url if given == "url" else httpx.Proxy(proxy.url)
        assert instances(kind, base_url=sandbox_url, proxy=option, **DEMO)
    assert proxy.paths == ["/oauth/token", "/v2/instances"]


@KINDS
def test_a_given_transport_ignores_the_environment_like_httpx(
    kind: str, sandbox_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = httpx.HTTPTransport() if kind == "sync" else httpx.AsyncHTTPTransport()
    with serve_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert instances(kind, base_url=sandbox_url, transport=transport, **DEMO)
    assert proxy.seen == []


@KINDS
def test_a_callers_http_client_with_its_proxy(kind: str, sandbox_url: str) -> None:
    with serve_proxy() as proxy:
        if kind == "sync":
            with httpx.Client(proxy=proxy.url) as http:
                assert instances(kind, base_url=sandbox_url, http_client=http, **DEMO)
                assert not http.is_closed  # the caller's client stays the caller's
        else:

            async def main() -> None:
                async with httpx.AsyncClient(proxy=proxy.url) as http:
                    async with lr.AsyncClient(base_url=sandbox_url, http_client=http, **DEMO) as c:
                        assert [i async for i in c.instances.list()]
                    assert not http.is_closed

            asyncio.run(main())
    assert proxy.paths == ["/oauth/token", "/v2/instances"]


OK = {
    "data": {"instanceIds": ["a"]},
    "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 1},
}


@KINDS
def test_auth_retries_and_headers_apply_through_a_callers_http_client(kind: str) -> None:
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(return_value=httpx.Response(200, json={"jwt": jwt()}))
    route = router.get("/v2/instances")
    route.side_effect = [httpx.Response(503), httpx.Response(200, json=OK)]
    hooked: list[str] = []
    options: dict[str, Any] = {
        "transport": httpx.MockTransport(router.handler),
        "headers": {"X-Team": "growth"},
        "event_hooks": {"request": [lambda r: hooked.append(r.url.path)]},
    }
    settings = {"client_id": "demo", "client_secret": SECRET, "base_url": BASE}
    if kind == "sync":
        with httpx.Client(**options) as http, lr.Client(http_client=http, **settings) as client:
            assert list(client.instances.list()) == ["a"]
    else:

        async def hook(request: httpx.Request) -> None:
            hooked.append(request.url.path)

        options["event_hooks"] = {"request": [hook]}

        async def main() -> None:
            async with (
                httpx.AsyncClient(**options) as http,
                lr.AsyncClient(http_client=http, **settings) as client,
            ):
                assert [i async for i in client.instances.list()] == ["a"]

        asyncio.run(main())
    assert route.call_count == 2  # the SDK's retry of the 503
    assert hooked == ["/oauth/token", "/v2/instances", "/v2/instances"]
    sent = route.calls.last.request
    assert sent.headers["authorization"].startswith("Bearer ")
    assert sent.headers["x-team"] == "growth"
    assert sent.headers["user-agent"].startswith("later-reporting-python/")


def test_a_closed_http_client_is_an_sdk_error() -> None:
    http = httpx.Client()
    http.close()
    with (
        lr.Client(http_client=http, client_id="c", client_secret="s") as client,
        pytest.raises(lr.ClientClosedError, match=r"http_client .* has been closed"),
    ):
        client.authenticate()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"proxy": "http://127.0.0.1:9", "transport": httpx.MockTransport(print)}, "at most one"),
        ({"proxy": "http://127.0.0.1:9", "http_client": httpx.Client()}, "at most one"),
        ({"http_client": httpx.AsyncClient()}, "must be an httpx.Client, got AsyncClient"),
        (
            {"proxy": "ftp://127.0.0.1:9"},
            r"^proxy: Unknown scheme for proxy URL .*; "
            r"use http://host:port, https://\.\.\. or socks5://\.\.\.$",
        ),
    ],
)
def test_proxy_options_that_cannot_work_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(lr.ConfigurationError, match=message):
        lr.Client(client_id="c", client_secret="s", **options)


def test_an_async_client_refuses_a_sync_http_client() -> None:
    with pytest.raises(lr.ConfigurationError, match=r"must be an httpx\.AsyncClient, got Client"):
        lr.AsyncClient(client_id="c", client_secret="s", http_client=httpx.Client())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"HTTP_PROXY": "http://p:3128"},
        {"HTTPS_PROXY": "p:3128", "ALL_PROXY": "socks5://s:1080"},
        {"HTTP_PROXY": "http://p:3128", "NO_PROXY": "*"},
        {
            "HTTPS_PROXY": "http://user:pw@p:3128",
            "NO_PROXY": "localhost, .internal.example,api.example.com,10.0.0.1,::1,"
            "192.168.0.0/16,http://plain.example",
        },
        {"HTTP_PROXY": "http://p:3128", "NO_PROXY": "LocalHost,,after-an-empty.example"},
    ],
)
def test_environment_proxies_read_as_httpx_reads_them(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert environment_proxies() == get_environment_proxies()


def through_callers_client(kind: str, router: respx.Router, **http_options: Any) -> Any:
    """``client.instances.list()`` sent through a caller's own httpx client, or its error."""
    settings = {"client_id": "demo", "client_secret": SECRET, "base_url": BASE}
    transport = httpx.MockTransport(router.handler)
    if kind == "sync":
        with (
            httpx.Client(transport=transport, **http_options) as http,
            lr.Client(http_client=http, **settings) as client,
        ):
            try:
                return list(client.instances.list())
            except lr.LaterReportingError as error:
                return error

    async def main() -> Any:
        async with (
            httpx.AsyncClient(transport=transport, **http_options) as http,
            lr.AsyncClient(http_client=http, **settings) as client,
        ):
            try:
                return [i async for i in client.instances.list()]
            except lr.LaterReportingError as error:
                return error

    return asyncio.run(main())


@KINDS
def test_a_callers_http_client_keeps_the_sdks_bearer_auth_over_its_own(kind: str) -> None:
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(return_value=httpx.Response(200, json={"jwt": jwt()}))
    route = router.get("/v2/instances").mock(return_value=httpx.Response(200, json=OK))
    rows = through_callers_client(kind, router, auth=httpx.BasicAuth("someone", "else"))
    assert rows == ["a"]
    assert route.calls.last.request.headers["authorization"].startswith("Bearer ")


@KINDS
def test_a_callers_http_client_that_follows_redirects_does_not_follow_the_apis(
    kind: str,
) -> None:
    """The SDK never follows a redirect (it would carry the bearer token to another place),
    even through a caller's client made with ``follow_redirects=True``."""
    router = respx.Router(base_url=BASE)
    router.post("/oauth/token").mock(return_value=httpx.Response(200, json={"jwt": jwt()}))
    router.get("/v2/instances").mock(
        return_value=httpx.Response(302, headers={"Location": f"{BASE}/elsewhere"})
    )
    elsewhere = router.get("/elsewhere").mock(return_value=httpx.Response(200, json=OK))
    outcome = through_callers_client(kind, router, follow_redirects=True)
    assert isinstance(outcome, lr.LaterReportingError), outcome
    assert elsewhere.call_count == 0


@KINDS
def test_a_closed_http_client_is_named_in_the_error(kind: str) -> None:
    settings = {"client_id": "c", "client_secret": "s"}
    if kind == "sync":
        http = httpx.Client()
        http.close()
        with (
            lr.Client(http_client=http, **settings) as client,
            pytest.raises(lr.ClientClosedError) as raised,
        ):
            client.authenticate()
    else:

        async def main() -> pytest.ExceptionInfo[lr.ClientClosedError]:
            http = httpx.AsyncClient()
            await http.aclose()
            async with lr.AsyncClient(http_client=http, **settings) as client:
                with pytest.raises(lr.ClientClosedError) as raised:
                    await client.authenticate()
            return raised

        raised = asyncio.run(main())
    flavour = "Client" if kind == "sync" else "AsyncClient"
    assert str(raised.value) == (
        f"the http_client given to the SDK ({flavour}) has been closed; "
        "keep it open while the SDK client is in use"
    )


@pytest.mark.parametrize(
    ("given", "named"),
    [
        (
            {"transport": httpx.MockTransport(print), "proxy": "http://127.0.0.1:9"},
            "transport and proxy",
        ),
        ({"proxy": "http://127.0.0.1:9", "http_client": httpx.Client()}, "proxy and http_client"),
        (
            {"transport": httpx.MockTransport(print), "http_client": httpx.Client()},
            "transport and http_client",
        ),
    ],
)
def test_more_than_one_way_out_is_refused_naming_both(given: dict[str, Any], named: str) -> None:
    with pytest.raises(lr.ConfigurationError) as raised:
        lr.Client(client_id="c", client_secret="s", **given)
    assert str(raised.value) == (
        f"pass at most one of transport=, proxy= and http_client=, not {named} "
        "(configure a proxy or transport on the http_client itself)"
    )


@pytest.mark.parametrize("way", ["argument", "environment"])
def test_a_socks_proxy_without_httpx_socks_names_the_proxy_and_the_fix(
    way: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """socksio is not installed here (it is httpx's ``socks`` extra, which the SDK does not
    require); the proxy is named without its password."""
    url = "socks5://someone:pa55word@127.0.0.1:9"
    options: dict[str, Any] = {"proxy": url} if way == "argument" else {}
    if way == "environment":
        monkeypatch.setenv("ALL_PROXY", url)
    with pytest.raises(lr.ConfigurationError) as raised:
        lr.Client(client_id="c", client_secret="s", **options)
    message = str(raised.value)
    assert message.startswith("proxy socks5://127.0.0.1:9: "), message
    assert "httpx[socks]" in message
    assert "pa55word" not in message


@pytest.fixture(scope="module")
def tls_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The sandbox over https with a certificate of a throwaway CA that nothing trusts;
    yields its URL and the CA's certificate file (what a caller would trust)."""
    import uvicorn

    from later_reporting.sandbox import SandboxConfig, create_app

    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    cert_file, key_file, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    issued.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    issued.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        create_app(SandboxConfig(rate_limit=None)),
        log_level="critical",
        lifespan="off",
        ssl_certfile=str(cert_file),
        ssl_keyfile=str(key_file),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):  # at most 10 s
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the https sandbox did not start"
    try:
        yield f"https://127.0.0.1:{sock.getsockname()[1]}", str(ca_file)
    finally:
        server.should_exit = True
        thread.join(10)


@KINDS
@pytest.mark.parametrize("route", ["default", "proxy"])
def test_tls_certificates_are_verified_on_every_route(
    kind: str, route: str, tls_sandbox: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A certificate nobody vouches for is refused, directly and through a proxy's tunnel;
    the CA a caller trusts through ``SSL_CERT_FILE`` (as httpx reads it) is honoured."""
    url, ca_file = tls_sandbox
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with serve_proxy() as proxy:
        options: dict[str, Any] = {"base_url": url, "max_retries": 0, **DEMO}
        if route == "proxy":
            options["proxy"] = proxy.url
        with pytest.raises(lr.APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            instances(kind, **options)
        monkeypatch.setenv("SSL_CERT_FILE", ca_file)
        assert instances(kind, **options) == ["instance_abc", "instance_def"]
    tunnel = f"CONNECT {url.removeprefix('https://')}"
    assert set(proxy.seen) == ({tunnel} if route == "proxy" else set())
