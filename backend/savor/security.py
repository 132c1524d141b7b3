"""Response headers that keep pages from being framed, sniffed or leaking, and a body cap."""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from savor.errors import error_body

MAX_BODY_BYTES = 1024 * 1024  # a check-in is ~1 KB; a protocol or a batch of codes far below this

# The app ships every script and style itself, so nothing inline and nothing from elsewhere.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=(), payment=()"),
]


class SecurityMiddleware:
    """Pure ASGI, so streamed exports pass through without being buffered."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _too_large(send, self.max_body_bytes)
            return
        if declared is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            replay = await _buffered(receive, self.max_body_bytes)
            if replay is None:
                await _too_large(send, self.max_body_bytes)
                return
            receive = replay
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [*COMMON, (b"content-security-policy", APP_CSP.encode())]
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _buffered(receive: Receive, limit: int) -> Receive | None:
    """A chunked body has no Content-Length to check up front: read it (up to the cap) first.

    Returns a receive that replays it, or None when it is over the cap.
    """
    chunks, seen, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return _replay([message])
        seen += len(message.get("body", b""))
        if seen > limit:
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}])


def _replay(messages: list[Message]) -> Receive:
    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return receive


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        error_body("too_large", f"The request body is larger than {limit // 1024} KB.")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), *COMMON],
        }
    )
    await send({"type": "http.response.body", "body": body})
