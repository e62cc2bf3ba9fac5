"""Compressed bodies: decoded as httpx would, capped by their decoded size, sync and async."""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

import later_reporting as lr
from later_reporting._ratelimit import RateBudget
from later_reporting._transport import AsyncRetryTransport, RetryPolicy, RetryTransport
from tests.unit.helpers import BASE, SECRET, jwt

PAGE = {
    "data": {"instanceIds": ["a", "b"]},
    "pagination": {"page": 1, "pageSize": 100, "totalPages": 1, "totalItems": 2},
}
RAW = json.dumps(PAGE).encode()


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives in pieces, as from a socket (httpx does not pre-read it)."""

    def __init__(self, body: bytes, size: int = 7) -> None:
        self.body, self.size = body, size

    def __iter__(self) -> Iterator[bytes]:
        for at in range(0, len(self.body), self.size):
            yield self.body[at : at + self.size]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


def deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def compressed(body: bytes, coding: str, chunk: int = 7) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"content-type": "application/json", "content-encoding": coding},
        stream=Chunks(body, chunk),
    )


Handler = Callable[[httpx.Request], httpx.Response]


def peak_while_refused(fetch: Callable[[], None], cap: int) -> int:
    """The peak memory (bytes) traced while ``fetch()`` is refused as larger than ``cap``."""
    tracemalloc.start()
    try:
        with pytest.raises(lr.UnexpectedResponseError, match=f"larger than {cap} bytes"):
            fetch()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def answering(report: Callable[[], httpx.Response], seen: list[httpx.Request]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth/token":
            token = json.dumps({"jwt": jwt()}).encode()
            return compressed(gzip.compress(token), "gzip")
        return report()

    return handle


def instances(kind: str, handler: Handler, **options: Any) -> list[str]:
    settings: dict[str, Any] = dict(
        client_id="demo", client_secret=SECRET, base_url=BASE, rate_limit=None, **options
    )
    if kind == "sync":
        with lr.Client(transport=httpx.MockTransport(handler), **settings) as client:
            return list(client.instances.list())

    async def main() -> list[str]:
        async with lr.AsyncClient(transport=httpx.MockTransport(handler), **settings) as client:
            return [i async for i in client.instances.list()]

    return asyncio.run(main())


KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


@KINDS
@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(RAW)),
        ("deflate", deflate(RAW, zlib.MAX_WBITS)),  # zlib-wrapped, as the RFC says
        ("deflate", deflate(RAW, -zlib.MAX_WBITS)),  # raw, as many servers send it
        ("gzip, gzip", gzip.compress(gzip.compress(RAW))),
        ("deflate, gzip", gzip.compress(deflate(RAW, zlib.MAX_WBITS))),
        ("identity", RAW),
    ],
)
def test_compressed_bodies_decode_like_httpx(kind: str, coding: str, body: bytes) -> None:
    assert httpx.Response(200, headers={"content-encoding": coding}, content=body).json() == PAGE
    seen: list[httpx.Request] = []
    assert instances(kind, answering(lambda: compressed(body, coding), seen)) == ["a", "b"]
    assert [r.headers["accept-encoding"] for r in seen] == ["gzip, deflate"] * 2


def bomb(decoded: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(decoded >> 20)) + packer.flush()


@KINDS
def test_a_gzip_bomb_is_refused_before_it_is_expanded(kind: str) -> None:
    cap, decoded = 1 << 20, 64 << 20
    body = bomb(decoded)
    assert len(body) < 128 * 1024  # 64 KiB chunks: one of them expands to about 64 MiB
    policy, budget = RetryPolicy(max_retries=0, max_response_bytes=cap), RateBudget(None)
    handler = httpx.MockTransport(lambda _: compressed(body, "gzip", 64 * 1024))

    def fetch() -> None:
        if kind == "sync":
            with httpx.Client(transport=RetryTransport(handler, policy, budget)) as http:
                http.get(BASE)
            return

        async def main() -> None:
            transport = AsyncRetryTransport(handler, policy, budget)
            async with httpx.AsyncClient(transport=transport) as http:
                await http.get(BASE)

        asyncio.run(main())

    peak = peak_while_refused(fetch, cap)
    assert peak < 8 * cap  # expanding one 64 KiB chunk at once would take 64 MiB


@KINDS
def test_a_gzip_bomb_through_a_callers_http_client_is_refused_before_it_is_expanded(
    kind: str,
) -> None:
    """A caller's ``http_client`` hands the body over as it arrives, so the SDK's cap on
    the decoded size (64 MiB) still stops a bomb before it is expanded in memory."""
    cap = 64 << 20  # RetryPolicy.max_response_bytes, the client's default
    body = bomb(96 << 20)
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(answering(lambda: compressed(body, "gzip", 64 * 1024), seen))
    settings: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": SECRET,
        "base_url": BASE,
        "rate_limit": None,
        "max_retries": 0,
    }

    def fetch() -> None:
        if kind == "sync":
            with (
                httpx.Client(transport=transport) as http,
                lr.Client(http_client=http, **settings) as client,
            ):
                list(client.instances.list())
            return

        async def main() -> None:
            async with (
                httpx.AsyncClient(transport=transport) as http,
                lr.AsyncClient(http_client=http, **settings) as client,
            ):
                [i async for i in client.instances.list()]

        asyncio.run(main())

    peak = peak_while_refused(fetch, cap)
    assert peak < cap + (16 << 20)  # the 96 MiB it would expand to were never held


@KINDS
def test_a_corrupt_body_is_retried_then_unexpected(kind: str) -> None:
    seen: list[httpx.Request] = []
    broken = gzip.compress(RAW)[:-20] + b"garbage!" * 3
    handler = answering(lambda: compressed(broken, "gzip"), seen)
    with pytest.raises(lr.UnexpectedResponseError, match="gzip response body is corrupt"):
        instances(kind, handler, max_retries=2)
    assert [r.url.path for r in seen] == ["/oauth/token"] + ["/v2/instances"] * 3


@KINDS
def test_a_body_cut_inside_its_compression_is_retried_then_unexpected(kind: str) -> None:
    seen: list[httpx.Request] = []
    handler = answering(lambda: compressed(gzip.compress(RAW)[:-9], "gzip"), seen)
    with pytest.raises(lr.UnexpectedResponseError, match="ends before its end marker"):
        instances(kind, handler, max_retries=1)
    assert [r.url.path for r in seen] == ["/oauth/token"] + ["/v2/instances"] * 2


@KINDS
def test_an_unrequested_coding_is_named(kind: str) -> None:
    seen: list[httpx.Request] = []
    handler = answering(lambda: compressed(RAW, "zstd"), seen)
    with pytest.raises(lr.UnexpectedResponseError, match="compressed with zstd"):
        instances(kind, handler)
    assert len(seen) == 2  # not retried: it would only come back the same


@KINDS
def test_an_empty_compressed_body_is_empty(kind: str) -> None:
    seen: list[httpx.Request] = []
    handler = answering(lambda: compressed(b"", "gzip"), seen)
    with pytest.raises(lr.UnexpectedResponseError, match=r"not valid JSON .* 0 bytes"):
        instances(kind, handler, max_retries=0)


@KINDS
def test_only_the_codings_it_decodes_are_asked_for_whatever_the_callers_client_asks(
    kind: str,
) -> None:
    seen: list[httpx.Request] = []
    handler = answering(lambda: compressed(gzip.compress(RAW), "gzip"), seen)
    options: dict[str, Any] = {
        "transport": httpx.MockTransport(handler),
        "headers": {"Accept-Encoding": "br, zstd"},  # codings the SDK does not decode
    }
    settings: dict[str, Any] = {"client_id": "demo", "client_secret": SECRET, "base_url": BASE}
    if kind == "sync":
        with httpx.Client(**options) as http, lr.Client(http_client=http, **settings) as client:
            assert list(client.instances.list()) == ["a", "b"]
    else:

        async def main() -> None:
            async with (
                httpx.AsyncClient(**options) as http,
                lr.AsyncClient(http_client=http, **settings) as client,
            ):
                assert [i async for i in client.instances.list()] == ["a", "b"]

        asyncio.run(main())
    assert [r.headers["accept-encoding"] for r in seen] == ["gzip, deflate"] * 2


@KINDS
def test_a_gzip_body_with_a_bad_header_is_corrupt_not_read_as_deflate(kind: str) -> None:
    # Only deflate falls back to the raw format (no zlib header); gzip has one header.
    seen: list[httpx.Request] = []
    handler = answering(lambda: compressed(b"\x00\x00" + gzip.compress(RAW)[2:], "gzip"), seen)
    with pytest.raises(lr.UnexpectedResponseError, match=r"gzip response body is corrupt.*header"):
        instances(kind, handler, max_retries=0)


@KINDS
def test_a_streamed_body_without_content_encoding_is_read_as_it_is(kind: str) -> None:
    seen: list[httpx.Request] = []
    plain = httpx.Response(200, headers={"content-type": "application/json"}, stream=Chunks(RAW))
    assert instances(kind, answering(lambda: plain, seen)) == ["a", "b"]


@KINDS
def test_every_unrequested_coding_is_named_on_the_error_with_its_response(kind: str) -> None:
    seen: list[httpx.Request] = []
    handler = answering(lambda: compressed(RAW, "br, gzip, zstd"), seen)
    with pytest.raises(
        lr.UnexpectedResponseError, match=r"compressed with br, zstd, which"
    ) as info:
        instances(kind, handler)
    assert info.value.response is not None
    assert info.value.response.headers["content-encoding"] == "br, gzip, zstd"


@KINDS
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff" * 40, "body is corrupt"),  # neither zlib-wrapped nor raw deflate
        # A good zlib start, then garbage: not retried as raw deflate midway.
        (deflate(RAW, zlib.MAX_WBITS)[:12] + b"\xff" * 40, "body ends before its end marker"),
        # Bytes changed inside a zlib stream: its checksum says so, once it has started.
        (
            deflate(RAW, zlib.MAX_WBITS)[:7] + b"\xff" * 8 + deflate(RAW, zlib.MAX_WBITS)[15:],
            "body is corrupt: .*incorrect data check",
        ),
    ],
    ids=["garbage", "garbage-after-a-good-start", "changed-bytes"],
)
def test_a_deflate_body_that_does_not_decode_is_named(kind: str, body: bytes, message: str) -> None:
    seen: list[httpx.Request] = []
    handler = answering(lambda: compressed(body, "deflate"), seen)
    with pytest.raises(lr.UnexpectedResponseError, match=f"^the deflate response {message}"):
        instances(kind, handler, max_retries=0)
