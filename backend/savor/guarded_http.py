"""HTTP clients that connect only to addresses the outbound policy allows, and never redirect.

Each connection resolves the host itself, checks every address (savor.outbound.resolve) and
connects to those very addresses; TLS still verifies the certificate against the host name.
Through a proxy (HTTPS_PROXY) the proxy resolves names, so only the URL check applies there.
"""

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

from savor.outbound import Policy, resolve


class _Pinned:
    """Mixed into urllib3's connections: `_dns_host` is the name it resolves to connect."""

    policy: Policy

    def _new_conn(self) -> Any:
        host = self._dns_host  # type: ignore[has-type]
        try:
            addresses = resolve(host, self.port, self.policy, allowed_gai_family())  # type: ignore[attr-defined]
        except socket.gaierror as exc:
            raise NameResolutionError(host, self, exc) from exc  # type: ignore[arg-type]
        failure: Exception | None = None
        for address in addresses:
            self._dns_host = address
            try:
                return super()._new_conn()  # type: ignore[misc]
            except (NewConnectionError, ConnectTimeoutError) as exc:
                failure = exc
            finally:
                self._dns_host = host
        raise failure or OSError(f"{host} has no address")


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose pooled connections are pinned to checked addresses."""

    def __init__(self, policy: Policy, **kwargs: Any) -> None:
        self.policy = policy  # read by init_poolmanager, which HTTPAdapter.__init__ calls
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        pinned = {"policy": self.policy}
        plain = type("PinnedHTTPConnection", (_Pinned, HTTPConnection), pinned)
        tls = type("PinnedHTTPSConnection", (_Pinned, HTTPSConnection), pinned)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("PinnedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("PinnedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
        }


class GuardedSession(requests.Session):
    """A requests.Session that never follows a redirect and connects only where allowed."""

    def __init__(self, policy: Policy, **adapter_options: Any) -> None:
        super().__init__()
        self.policy = policy
        adapter = GuardedAdapter(policy, **adapter_options)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        # pywebpush posts with requests' default allow_redirects=True; a push service that
        # answers 3xx has refused the message, and its Location is never visited.
        return None


class GuardedTransport(httpx.BaseTransport):
    """Wraps an httpx transport: the request goes to a checked address of its host."""

    def __init__(self, policy: Policy, inner: httpx.BaseTransport | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        host, port = url.host, url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = resolve(host, port, self.policy)
        except socket.gaierror as exc:
            raise httpx.ConnectError(f"cannot resolve {host}: {exc}", request=request) from exc
        failure: Exception | None = None
        for address in addresses:
            # The Host header keeps the name; sni_hostname makes TLS check the certificate
            # against it, not against the address we connect to.
            pinned = httpx.Request(
                request.method,
                url.copy_with(host=address),
                headers=request.headers,
                stream=request.stream,
                extensions={**request.extensions, "sni_hostname": host},
            )
            try:
                return self.inner.handle_request(pinned)
            except httpx.ConnectError as exc:
                failure = exc
        raise failure or httpx.ConnectError(f"{host} has no address", request=request)

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class Answer:
    """The little of an HTTP answer a push sender reads, shaped like requests' Response."""

    status_code: int
    reason: str
    text: str
    headers: Mapping[str, str]


class LeanPoster:
    """POSTs through a GuardedSession's pinned connection pools without the rest of requests.

    Preparing a request in requests (merging settings, hooks, cookies, environment) cost half
    of each push's CPU, and a thousand mothers' prompts fall due in the same minute. The
    connections are the session's own, so every address check and TLS check still applies.
    Through a proxy the session posts as usual: requests knows how to speak to one.
    Errors are urllib3's (a timeout is a urllib3.exceptions.TimeoutError).
    """

    def __init__(self, session: GuardedSession) -> None:
        self.session = session

    def post(
        self, url: str, *, data: bytes | None, headers: Mapping[str, Any], timeout: float
    ) -> Answer | requests.Response:
        if self.session.trust_env:
            return self.session.post(url, data=data, headers=dict(headers), timeout=timeout)
        adapter = self.session.get_adapter(url)
        assert isinstance(adapter, GuardedAdapter)
        pool = adapter.poolmanager.connection_from_url(url, pool_kwargs=self._tls(url))
        answer = pool.urlopen(
            "POST",
            urllib3.util.parse_url(url).request_uri,
            body=data,
            headers={str(k): str(v) for k, v in headers.items()},
            redirect=False,  # a push service that answers 3xx has refused the message
            retries=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
        )
        return Answer(
            answer.status,
            answer.reason or "",
            answer.data.decode("utf-8", "replace"),
            answer.headers,
        )

    def _tls(self, url: str) -> dict[str, Any]:
        """Certificates checked as requests checks them: its CA bundle, or the configured one."""
        if not url.startswith("https:"):
            return {}
        verify = self.session.verify
        if verify is False:
            return {"cert_reqs": "CERT_NONE"}
        bundle = verify if isinstance(verify, str) else DEFAULT_CA_BUNDLE_PATH
        return {"cert_reqs": "CERT_REQUIRED", "ca_certs": bundle}
