"""Transports for pulls: the real network, except where a test answers or breaks a request."""

import httpx


class Through(httpx.BaseTransport):
    """The real network, except where `answer` answers a request itself."""

    def __init__(self, answer) -> None:
        self.real = httpx.HTTPTransport()
        self.answer = answer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        made = self.answer(request)
        return made if made is not None else self.real.handle_request(request)

    def close(self) -> None:
        self.real.close()


class CutAfterFirstChunk(httpx.SyncByteStream):
    """A body whose connection drops after its first chunk."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __iter__(self):
        yield next(iter(self.stream))
        raise httpx.ReadError("the connection dropped")

    def close(self) -> None:
        self.stream.close()
