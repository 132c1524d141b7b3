"""A push goes out over TLS checked as any https request is: the push service's certificate
must chain to a trusted authority (the configured CA bundle, as REQUESTS_CA_BUNDLE sets it)."""

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from savor.guarded_http import GuardedSession
from savor.notify.vapid import VapidKeys
from savor.notify.webpush import PushResult, neutral_payload, send_push
from savor.outbound import Policy
from tests.notify.push_service import PushService

POLICY = Policy(allow_loopback=True, push_hosts=("localhost",))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, which no CA bundle on this machine holds."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls_push_service(certificate: tuple[Path, Path]) -> Iterator[PushService]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with PushService(tls=context) as service:
        yield service


def _send(service: PushService, *, bundle: Path | None) -> PushResult:
    keys = VapidKeys.from_private_key(ec.generate_private_key(ec.SECP256R1()))
    with GuardedSession(POLICY) as session:
        session.trust_env = False  # as the app's sender does when no proxy is configured
        if bundle is not None:
            session.verify = str(bundle)
        return send_push(
            service.subscribe().to_json(),
            neutral_payload("prompt", "7f1c", "en"),
            keys=keys,
            subject="mailto:research@savor.example.org",
            ttl=60,
            timeout=2.0,
            session=session,
        )


def test_a_push_service_with_an_untrusted_certificate_is_not_sent_the_message(
    tls_push_service: PushService,
):
    result = _send(tls_push_service, bundle=None)
    assert (result.outcome, result.status) == ("retry", None)
    assert "SSL" in result.reason
    assert tls_push_service.received == []


def test_a_push_service_whose_certificate_the_configured_bundle_trusts_gets_it(
    tls_push_service: PushService, certificate: tuple[Path, Path]
):
    result = _send(tls_push_service, bundle=certificate[0])
    assert (result.outcome, result.status) == ("sent", 201)
    [received] = tls_push_service.received
    assert received.json()["prompt_id"] == "7f1c"
