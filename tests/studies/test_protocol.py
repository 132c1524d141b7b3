"""Protocol documents: the default is valid, and each mistake gets its own clear line."""

import re

import pytest

from savor.studies.protocol import ProtocolError, parse_protocol
from savor.studies.service import default_protocol_source, protocol_source_for


def _problems(source: str) -> list[str]:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(source)
    return caught.value.problems


def test_default_protocol_is_valid():
    document = parse_protocol(default_protocol_source())
    assert document.program.weeks == 8
    assert {r.id for r in document.crisis_resources} >= {"lifeline_988", "samhsa"}
    assert document.features.sensitive_use_item is False


def test_new_study_protocol_carries_its_slug_and_name():
    document = parse_protocol(protocol_source_for(slug="site-b", name='Site "B": Tucson'))
    assert (document.study, document.name) == ("site-b", 'Site "B": Tucson')


def test_broken_yaml_points_at_the_line():
    assert _problems("study: x\nname: [unclosed\n") == [
        "the protocol is not valid YAML at line 3, column 1"
    ]


def test_a_list_is_not_a_protocol():
    assert _problems("- a\n- b\n") == ["the protocol must be a YAML mapping (key: value lines)"]


def test_every_mistake_is_listed_with_where_it_is():
    source = (
        default_protocol_source()
        .replace("per_day: 3", "per_day: 0")
        .replace("weeks: 8", "weeks: 0")
    )
    problems = _problems(source)
    assert len(problems) == 2
    assert any(p.startswith("program.weeks:") for p in problems)
    assert any(p.startswith("schedules[0].per_day:") for p in problems)


def test_unknown_keys_are_refused_rather_than_ignored():
    problems = _problems(default_protocol_source() + "\nfeatures_typo: {}\n")
    assert problems == ["features_typo: Extra inputs are not permitted"]


def test_fixed_schedule_needs_times():
    source = default_protocol_source().replace("kind: random", "kind: fixed")
    assert any("needs at least one entry in 'times'" in p for p in _problems(source))


def test_schedule_must_use_a_listed_instrument():
    source = default_protocol_source().replace("instrument: momentary", "instrument: mystery")
    assert any("mystery" in p for p in _problems(source))


def test_reminder_must_come_before_expiry():
    source = default_protocol_source().replace("reminder_minutes: 15", "reminder_minutes: 50")
    assert any("'reminder_minutes' must come before" in p for p in _problems(source))


def test_crisis_resources_are_required():
    source = default_protocol_source().split("crisis_resources:")[0] + "crisis_resources: []\n"
    assert any(p.startswith("crisis_resources:") for p in _problems(source))


def test_a_malformed_crisis_link_is_refused():
    source = default_protocol_source().replace(
        'url: "https://988lifeline.org"', 'url: "https://[988lifeline.org"'
    )
    assert any("is not a well-formed URL" in p for p in _problems(source))


def alias_bomb(source: str, copies: int = 500) -> str:
    """One anchored mapping reused by hundreds of crisis resources: small text, huge document."""
    resources = "".join(
        f'  - {{id: r{i}, name: *contact, description: *contact, phone: "988"}}\n'
        for i in range(copies)
    )
    return source.replace("contact:\n", "contact: &contact\n").replace(
        "crisis_resources:\n", "crisis_resources:\n" + resources
    )


def test_yaml_anchors_and_aliases_are_refused_naming_the_line():
    source = default_protocol_source()
    line = source.splitlines().index("contact:") + 1
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(alias_bomb(source))
    assert caught.value.problems == [
        f"the protocol uses a YAML anchor or alias (&name / *name) at line {line}; "
        "write each value out instead"
    ]


def test_a_protocol_too_large_once_read_is_refused():
    long_text = "x" * 1000
    resources = "".join(
        f'  - {{id: r{i}, name: {{en: "{long_text}", es: "{long_text}"}}, phone: "988"}}\n'
        for i in range(150)
    )
    source = default_protocol_source().replace(
        "crisis_resources:\n", "crisis_resources:\n" + resources
    )
    [problem] = _problems(source)
    assert re.fullmatch(
        r"the protocol is 3\d\d KB once read, more than the 256 KB allowed; shorten it", problem
    )
