"""Passwords hashed with argon2id, TOTP codes as RFC 6238 gives them, recovery codes."""

from datetime import UTC, datetime, timedelta

from savor.research.staff import passwords, totp
from tests.research.staff.helpers import RFC_SECRET

# RFC 6238, appendix B (SHA-1), last six digits of each eight-digit code.
T59 = datetime.fromtimestamp(59, UTC)
T1111111109 = datetime.fromtimestamp(1111111109, UTC)


def test_a_password_is_kept_only_as_an_argon2id_hash():
    stored = passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert passwords.verify_password(stored, "correct horse battery staple")
    assert not passwords.verify_password(stored, "Correct horse battery staple")


def test_an_account_without_a_password_never_matches():
    assert not passwords.verify_password(None, "not a password anybody has")


def test_short_passwords_are_refused_with_a_reason():
    assert "at least 12" in (passwords.weakness("short") or "")
    assert passwords.weakness("four words will do") is None


def test_totp_codes_are_the_rfc_6238_test_vectors():
    assert totp.code_at(RFC_SECRET, T59) == "287082"
    assert totp.code_at(RFC_SECRET, T1111111109) == "081804"


def test_a_code_is_matched_to_its_step_one_step_either_side_and_not_beyond():
    step = 1111111109 // 30
    assert totp.matched_step(RFC_SECRET, "081804", now=T1111111109) == step
    later = T1111111109 + timedelta(seconds=30)
    assert totp.matched_step(RFC_SECRET, "081 804", now=later) == step
    assert totp.matched_step(RFC_SECRET, "081804", now=T1111111109 + timedelta(seconds=90)) is None
    assert totp.matched_step(RFC_SECRET, "08180", now=T1111111109) is None


def test_the_qr_code_carries_the_otpauth_uri():
    uri = totp.provisioning_uri(RFC_SECRET, "ana@site.example.org")
    assert uri.startswith("otpauth://totp/Savor:ana%40site.example.org?secret=" + RFC_SECRET)
    assert totp.qr_svg(uri).startswith("<svg")


def test_recovery_codes_are_distinct_and_hashed_whatever_the_spelling():
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == totp.RECOVERY_CODES
    code = codes[0]
    assert totp.hash_recovery_code(code) == totp.hash_recovery_code(code.lower().replace("-", ""))
    assert code not in totp.hash_recovery_code(code)
