"""Where the service may send data: push services and study webhooks, never our own network.

A phone chooses its push endpoint and a study its webhook, so either could point the
scheduler at this machine or the private network behind it. One policy decides, twice: a
pure check of the URL when it is registered (scheme, known push hosts, literal addresses),
and a check of every address the host resolves to when we connect, pinned for the
connection, so a name that later resolves to 127.0.0.1 (DNS rebinding) is never contacted.
Redirects are never followed: a 3xx counts as a refusal.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

# The push services browsers subscribe with (Chrome/Edge-on-Android, Firefox, Safari, Edge).
PUSH_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.push.services.mozilla.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)
HOST_PATTERN = re.compile(r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$")
LOOPBACK_NAMES = ("localhost", "localhost.localdomain")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NUMERIC_HOST = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}")


class Refused(Exception):
    """A connection the policy forbids; not an OSError, so no HTTP library retries it."""


@dataclass(frozen=True)
class Policy:
    push_hosts: tuple[str, ...] = PUSH_HOSTS
    allow_loopback: bool = False  # tests and local development only


def host_matches(host: str, pattern: str) -> bool:
    """`pattern` is a host name or `*.suffix`, which matches any name under the suffix."""
    host = host.rstrip(".").lower()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def _unwrapped(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IPv4 address an IPv6 one carries (mapped, NAT64 or 6to4), else the address itself."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def address_problem(address: str, policy: Policy) -> str | None:
    """Why we must not connect to this IP address, or None when it is on the public internet."""
    ip = _unwrapped(address)
    if ip.is_loopback:
        return None if policy.allow_loopback else f"is this machine ({address})"
    if (
        ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        return f"is a private, link-local or reserved address ({address})"
    return None


def _literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    # Short and numeric forms such as 127.1, 0x7f.1 or 2130706433 reach the same addresses.
    if NUMERIC_HOST.fullmatch(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _is_loopback_name(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.endswith(".localhost")


def url_problem(value: str, policy: Policy, *, hosts: tuple[str, ...] | None) -> str | None:
    """Why `value` cannot receive data from us, or None; `hosts` limits the host names."""
    try:
        url = urlsplit(value)
        url.port  # noqa: B018  (parsing the port is what rejects a malformed one)
    except ValueError:
        return "is not a well-formed URL"
    host = (url.hostname or "").rstrip(".")
    if url.scheme not in ("http", "https") or not host:
        return "must be an https URL with a host"
    literal = _literal_address(host)
    if literal is not None and (problem := address_problem(literal, policy)) is not None:
        return problem
    local = _is_loopback_name(host) or (literal is not None and _is_loopback(literal))
    if local and not policy.allow_loopback:
        return f"is this machine ({host})"
    if url.scheme != "https" and not local:
        return "must use https"
    if hosts is not None and not local and not any(host_matches(host, p) for p in hosts):
        return "is not a known push service"
    return None


def _is_loopback(address: str) -> bool:
    return _unwrapped(address).is_loopback


def push_endpoint_problem(value: str, policy: Policy) -> str | None:
    """A sentence on why a push endpoint is refused, or None."""
    problem = url_problem(value, policy, hosts=policy.push_hosts)
    if problem in ("must use https", "is not a known push service"):
        known = ", ".join(policy.push_hosts)
        return (
            f"The push endpoint must be an https address of a known push service ({known}); "
            "an operator can add another with SAVOR_PUSH_HOSTS"
        )
    return None if problem is None else f"The push endpoint {problem}, which Savor never contacts"


def webhook_problem(value: str, policy: Policy) -> str | None:
    """A sentence on why a webhook URL is refused, or None."""
    problem = url_problem(value, policy, hosts=None)
    if problem is None:
        return None
    if problem.startswith("is "):
        problem += ": alerts go only to a public https address"
    return f"The webhook URL {problem}"


def resolve(host: str, port: int, policy: Policy, family: int = socket.AF_UNSPEC) -> list[str]:
    """Every address `host` resolves to, each allowed by the policy; Refused if any is not."""
    infos = socket.getaddrinfo(host.strip("[]"), port, family, socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        if (problem := address_problem(address, policy)) is not None:
            raise Refused(f"{host} resolves to an address that {problem}")
    return addresses
