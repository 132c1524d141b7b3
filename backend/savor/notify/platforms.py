"""Which push service a device uses, read from its endpoint's host (never the user agent).

The family tells a researcher whose service drops notifications (Apple's, say, when the app
is not installed to the Home Screen) without anything that could identify her phone.
"""

from urllib.parse import urlsplit

from savor.outbound import host_matches

FAMILIES = (
    ("apple", ("*.push.apple.com",)),
    ("google", ("fcm.googleapis.com", "android.googleapis.com")),
    ("mozilla", ("push.services.mozilla.com", "*.push.services.mozilla.com")),
    ("microsoft", ("*.notify.windows.com",)),
)


def platform_family(endpoint: str) -> str:
    """apple, google, mozilla, microsoft or other."""
    host = urlsplit(endpoint).hostname or ""
    for family, patterns in FAMILIES:
        if any(host_matches(host, pattern) for pattern in patterns):
            return family
    return "other"
