"""Content-Encoding: what the SDK asks for, and bounded decoding of what comes back.

The SDK asks for ``gzip, deflate`` (the standard library decodes both; JSON shrinks about
tenfold) and decodes bodies the way httpx does, including ``deflate`` with or without its
zlib header and stacked codings such as ``gzip, gzip``. Unlike httpx, it never expands more
than :data:`STEP` bytes at a time, so the reader can refuse a body whose *decoded* size
passes its cap before the rest is expanded (a gzip bomb is refused, not inflated). ``br`` and
``zstd`` are not asked for; a server that sends them (or any other coding) anyway gets an
:class:`UnexpectedResponseError` naming the coding.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

from later_reporting._errors import UnexpectedResponseError

ACCEPT_ENCODING = "gzip, deflate"
STEP = 64 * 1024  # the most one decompression step may expand to
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class CorruptBody(httpx.RemoteProtocolError):
    """A compressed body that does not decode (corrupt, or cut before its end marker).

    It fails the attempt like a body cut short, so it is retried like one; after the
    retries the client raises :class:`UnexpectedResponseError`.
    """


class _Inflater:
    """One zlib coding, expanded at most :data:`STEP` bytes per step."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._zlib = zlib.decompressobj(_WBITS[coding])
        self._first = True
        self._seen = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            self._seen = True
            try:
                piece = self._zlib.decompress(data, STEP)
            except zlib.error as exc:
                if self._first and self.coding == "deflate":
                    # Many servers send raw deflate without the zlib header (as httpx allows).
                    self._first = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise CorruptBody(f"the {self.coding} response body is corrupt: {exc}") from None
            self._first = False
            tail = self._zlib.unconsumed_tail
            if not piece and len(tail) == len(data):  # no progress: never loop on it
                raise CorruptBody(f"the {self.coding} response body does not decode")
            data = tail
            if piece:
                yield piece

    def finish(self) -> Iterator[bytes]:
        if not self._seen:  # an empty body (HEAD, 204) decodes to nothing
            return
        try:
            rest = self._zlib.flush()
        except zlib.error as exc:
            raise CorruptBody(f"the {self.coding} response body is corrupt: {exc}") from None
        if rest:
            yield rest
        if not self._zlib.eof:
            raise CorruptBody(f"the {self.coding} response body ends before its end marker")


class BodyDecoder:
    """Decodes a body chunk by chunk, in pieces of at most :data:`STEP` bytes."""

    def __init__(self, response: httpx.Response) -> None:
        header = response.headers.get("content-encoding", "")
        codings = [c.strip().lower() for c in header.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        unknown = [c for c in codings if c not in _WBITS]
        if unknown:  # the reader closes the response
            raise UnexpectedResponseError(
                f"the response is compressed with {', '.join(unknown)!s}, which the SDK does "
                f"not decode (it asks for {ACCEPT_ENCODING})",
                response,
            )
        # The last coding listed was applied last, so it is undone first.
        self._stages = [_Inflater(c) for c in reversed(codings)]

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        pieces: Iterator[bytes] = iter((chunk,))
        for stage in self._stages:
            pieces = _through(stage, pieces)
        return pieces

    def finish(self) -> Iterator[bytes]:
        pieces: Iterator[bytes] = iter(())
        for stage in self._stages:
            pieces = _finished(stage, pieces)
        return pieces


def _through(stage: _Inflater, pieces: Iterator[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from stage.feed(piece)


def _finished(stage: _Inflater, pieces: Iterator[bytes]) -> Iterator[bytes]:
    yield from _through(stage, pieces)
    yield from stage.finish()
