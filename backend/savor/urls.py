"""Addresses shown to people as links: well formed, and encrypted unless on this machine.

Where the service itself sends data is decided by savor.outbound.
"""

from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def link_url_problem(value: str) -> str | None:
    """Why `value` is not a usable link, or None when it is."""
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
