"""Which peers may name a phone's address in X-Forwarded-For, decided once at start.

The failure limiters count wrong codes and tokens per client address. Uvicorn takes that
address from X-Forwarded-For when the request comes from an address in FORWARDED_ALLOW_IPS,
and by default trusts loopback: then anything on the same host, or a proxy that passes the
header on unchanged, could name a new address with every guess. So the header is honoured only
when the operator names the proxies, and `*` only when they say they mean it.
"""

import ipaddress
from dataclasses import dataclass
from typing import Any

ENV_NAME = "FORWARDED_ALLOW_IPS"


@dataclass(frozen=True)
class ProxyTrust:
    trusted: tuple[str, ...]  # addresses or networks; empty: no proxy is trusted

    def uvicorn_options(self) -> dict[str, Any]:
        if not self.trusted:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": ",".join(self.trusted)}

    def describe(self) -> str:
        if not self.trusted:
            return (
                f"Proxy headers: ignored ({ENV_NAME} is not set); each client is known by "
                "the address it connects from."
            )
        if "*" in self.trusted:
            return (
                "Proxy headers: trusted from ANY address (--trust-any-proxy): every client can "
                "claim any address. Only safe when nothing but your proxy can reach this port."
            )
        return f"Proxy headers: trusted only from {', '.join(self.trusted)}."


def proxy_trust(value: str | None, *, allow_any: bool = False) -> ProxyTrust:
    """The proxies named in FORWARDED_ALLOW_IPS; ValueError says what to change."""
    entries = tuple(part.strip() for part in (value or "").split(",") if part.strip())
    if "*" in entries and not allow_any:
        raise ValueError(
            f"{ENV_NAME}=* lets any client pick the address the failure limiters count it "
            f"under. Set {ENV_NAME} to your reverse proxy's address (e.g. 10.0.0.5 or "
            "172.18.0.0/16), or pass --trust-any-proxy if only that proxy can reach this port."
        )
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ValueError(
                f"{ENV_NAME} entry '{entry}' is not an IP address or network (host names are "
                "not looked up): give the reverse proxy's address as it connects to Savor."
            ) from exc
    return ProxyTrust(trusted=entries)
