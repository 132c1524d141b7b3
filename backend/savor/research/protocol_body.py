"""A protocol sent as a YAML body: read, bounded and documented once for every route taking one."""

from fastapi import Request

from savor.errors import AppError

MAX_PROTOCOL_BYTES = 256 * 1024
PROTOCOL_BODY = {
    "required": True,
    "content": {
        "application/yaml": {
            "schema": {"type": "string"},
            "example": "study: pilot\nname: Pilot study\ninstruments: [momentary]\n...",
        }
    },
}


async def protocol_source(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_PROTOCOL_BYTES:
        raise AppError(413, "too_large", "A protocol is at most 256 KB of YAML.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AppError(422, "invalid_protocol", "The protocol must be UTF-8 text.") from exc
