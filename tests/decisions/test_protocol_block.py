"""The protocol's `decisions` block: a valid one reads back, each mistake gets a clear line."""

import pytest

from savor.practices.catalog import checked_protocol
from savor.studies.protocol import ProtocolError, parse_protocol
from tests.decisions.protocols import DECISIONS, with_decisions


def _changed(old: str, new: str) -> str:
    assert old in DECISIONS
    return with_decisions(DECISIONS.replace(old, new))


def _problems(source: str) -> str:
    with pytest.raises(ProtocolError) as caught:
        checked_protocol(source)
    return "\n".join(caught.value.problems)


def test_a_study_without_the_block_runs_no_trial():
    from savor.studies.service import default_protocol_source

    assert parse_protocol(default_protocol_source()).decisions is None


def test_the_block_reads_back_with_its_rules_and_window():
    decisions = checked_protocol(with_decisions()).decisions
    assert decisions is not None
    rule = decisions.rule("high_rating")
    assert rule is not None and rule.kind == "checkin"
    assert rule.stratum_for(7) == ("moderate", {"breathing": 0.3, "savoring": 0.2, "none": 0.5})
    assert rule.stratum_for(8)[0] == "high"
    assert decisions.proximal_outcome.window_minutes == (30, 120)
    assert decisions.practice_of("savoring") == "P08"


def test_probabilities_must_add_up_to_one():
    source = _changed("savoring: 0.25, none: 0.5", "savoring: 0.3, none: 0.5")
    found = _problems(source)
    assert "rule moderate_only probabilities must add up to 1 (they add up to 1.05)" in found


def test_every_option_needs_a_probability_and_no_unknown_one():
    source = _changed("{breathing: 0.25, savoring: 0.25, none: 0.5}", "{breathing: 0.5, walk: 0.5}")
    found = _problems(source)
    assert "names options that are not declared: ['walk']" in found
    assert "gives no probability for ['none', 'savoring']" in found


def test_an_offer_that_is_certain_is_refused():
    source = _changed(
        "{breathing: 0.25, savoring: 0.25, none: 0.5}", "{breathing: 0.5, savoring: 0.5, none: 0}"
    )
    assert "must give 'no offer' a probability above 0 and below 1" in _problems(source)


def test_strata_must_cover_the_threshold():
    source = _changed("{id: moderate, min_rating: 7", "{id: moderate, min_rating: 6")
    assert "the lowest stratum must start at the rule's threshold (7)" in _problems(source)


def test_a_rule_gives_probabilities_or_strata():
    line = "      probabilities: {breathing: 0.25, savoring: 0.25, none: 0.5}\n"
    source = _changed(line, "")
    assert "give either 'probabilities' or 'strata', not both and not neither" in _problems(source)


def test_exactly_one_option_offers_nothing():
    source = _changed("    - {id: none}\n", "    - {id: none, practice: P01}\n")
    assert "exactly one option must offer nothing" in _problems(source)


def test_an_offered_practice_must_be_in_the_study():
    source = _changed("practice: P08", "practice: P77")
    assert "savoring offers P77, which this study does not have" in _problems(source)


def test_the_window_must_be_ordered():
    source = _changed("window_minutes: [30, 120]", "window_minutes: [120, 30]")
    assert "decisions.proximal_outcome.window_minutes" in _problems(source)


def test_the_follow_up_instrument_must_be_listed():
    source = _changed("    instrument: momentary\n", "    instrument: weekly\n")
    assert "decisions use instruments not listed in 'instruments': ['weekly']" in _problems(source)


def test_her_own_request_for_help_is_never_randomized():
    source = _changed("instruments: [momentary]", "instruments: [momentary, hard_moment]")
    assert "'hard_moment' is her own request for help" in _problems(source)


def test_a_practice_reminder_rule_reads_back():
    source = _changed(
        "      kind: checkin\n      instruments: [momentary]\n      items: [N1]",
        "      kind: practice_reminder\n      open_minutes: 30\n      items: [N1]",
    )
    decisions = checked_protocol(source).decisions
    assert decisions is not None
    [rule] = [r for r in decisions.timed_rules() if r.kind == "practice_reminder"]
    assert (rule.id, rule.open_minutes) == ("moderate_only", 30)


def test_a_probe_rule_reads_back_with_its_times_a_day():
    source = _changed(
        "      kind: checkin\n      instruments: [momentary]\n      items: [N1]",
        "      kind: probe\n      per_day: 3\n      spacing_minutes: 90\n      items: [N1]",
    )
    decisions = checked_protocol(source).decisions
    assert decisions is not None
    [probe] = decisions.probe_rules()
    assert (probe.id, probe.per_day, probe.spacing_minutes) == ("moderate_only", 3, 90)


def test_a_stratum_is_named_in_its_problem():
    source = _changed("savoring: 0.2, none: 0.5}", "savoring: 0.2, none: 0.6}")
    found = _problems(source)
    assert "rule high_rating stratum moderate must add up to 1 (they add up to 1.1)" in found
