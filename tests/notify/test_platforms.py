"""A device's push service family comes from its endpoint's host alone."""

import pytest

from savor.notify.platforms import platform_family


@pytest.mark.parametrize(
    ("endpoint", "family"),
    [
        ("https://web.push.apple.com/QGx2", "apple"),
        ("https://fcm.googleapis.com/fcm/send/d1a2", "google"),
        ("https://updates.push.services.mozilla.com/wpush/v2/gAAA", "mozilla"),
        ("https://wns2-by3p.notify.windows.com/w/?token=BQYA", "microsoft"),
        ("https://push.example.org/x", "other"),
        ("https://fcm.googleapis.com.evil.example/x", "other"),
    ],
)
def test_platform_family(endpoint: str, family: str):
    assert platform_family(endpoint) == family
