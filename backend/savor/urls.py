"""Addresses the service sends data to: well formed, and encrypted unless on this machine."""

from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def outbound_url_problem(value: str) -> str | None:
    """Why `value` cannot receive data from us, or None when it can."""
    try:
        url = urlsplit(value)
        url.port  # noqa: B018  (parsing the port is what rejects a malformed one)
    except ValueError:
        return "is not a well-formed URL"
    if url.scheme not in ("http", "https") or not url.hostname:
        return "must be an https URL with a host"
    if url.scheme != "https" and url.hostname not in LOOPBACK:
        return "must use https"
    return None
