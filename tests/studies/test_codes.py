"""Enrollment codes: 40 random bits that survive being read aloud and typed by hand."""

import math

from savor.studies import codes


def test_generated_code_carries_forty_bits():
    code = codes.generate_code()
    assert len(code) == codes.CODE_LENGTH
    assert set(code) <= set(codes.ALPHABET)
    assert math.log2(len(codes.ALPHABET)) * codes.CODE_LENGTH == 40


def test_alphabet_leaves_out_confusable_letters():
    assert not set("ILOU") & set(codes.ALPHABET)


def test_codes_do_not_repeat_in_a_large_batch():
    batch = {codes.generate_code() for _ in range(5000)}
    assert len(batch) == 5000


def test_normalizing_forgives_case_separators_and_lookalikes():
    assert codes.normalize_code(" 7kq2-m9xd ") == "7KQ2M9XD"
    assert codes.normalize_code("7KQ2 M9XD") == "7KQ2M9XD"
    assert codes.normalize_code("OIL2M9XD") == "0112M9XD"


def test_normalizing_rejects_what_cannot_be_a_code():
    assert codes.normalize_code("7KQ2-M9X") is None
    assert codes.normalize_code("7KQ2-M9XDD") is None
    assert codes.normalize_code("UUUU-UUUU") is None
    assert codes.normalize_code("") is None


def test_format_splits_in_two_halves():
    assert codes.format_code("7KQ2M9XD") == "7KQ2-M9XD"


def test_hash_depends_on_the_server_secret():
    assert codes.hash_code("7KQ2M9XD", b"a" * 32) != codes.hash_code("7KQ2M9XD", b"b" * 32)
    assert codes.hash_code("7KQ2M9XD", b"a" * 32) == codes.hash_code("7KQ2M9XD", b"a" * 32)
