"""Protocols with a `decisions` block, as a study would write them."""

from savor.studies.service import default_protocol_source

DECISIONS = """
decisions:
  options:
    - {id: breathing, practice: P03}
    - {id: savoring, practice: P08}
    - {id: none}
  rules:
    - id: high_rating
      kind: checkin
      instruments: [momentary]
      items: [C1, S1]
      threshold: 7
      strata:
        - {id: moderate, min_rating: 7, probabilities: {breathing: 0.3, savoring: 0.2, none: 0.5}}
        - {id: high, min_rating: 8, probabilities: {breathing: 0.4, savoring: 0.2, none: 0.4}}
    - id: moderate_only
      kind: checkin
      instruments: [momentary]
      items: [N1]
      threshold: 6
      probabilities: {breathing: 0.25, savoring: 0.25, none: 0.5}
  availability:
    min_minutes_between_offers: 60
    max_offers_per_day: 3
    practice_minutes: 20
    crisis_minutes: 120
  proximal_outcome:
    instrument: momentary
    items: [C1, S1]
    window_minutes: [30, 120]
"""


def with_decisions(block: str = DECISIONS) -> str:
    return default_protocol_source() + block


# A trial whose only decision points are three random-time probes a day.
PROBES = """
decisions:
  options:
    - {id: breathing, practice: P03}
    - {id: savoring, practice: P08}
    - {id: none}
  rules:
    - id: day_probe
      kind: probe
      per_day: 3
      spacing_minutes: 90
      open_minutes: 45
      probabilities: {breathing: 0.4, savoring: 0.2, none: 0.4}
  availability:
    min_minutes_between_offers: 60
    max_offers_per_day: 3
    practice_minutes: 20
    crisis_minutes: 120
  proximal_outcome:
    instrument: momentary
    items: [C1, S1]
    window_minutes: [30, 120]
"""
PROBES_ALWAYS = PROBES.replace(
    "{breathing: 0.4, savoring: 0.2, none: 0.4}",
    "{breathing: 0.999999, savoring: 0, none: 0.000001}",
)
# A trial whose decision point is her daily practice reminder, at the time she sets.
REMINDER = PROBES.replace(
    """    - id: day_probe
      kind: probe
      per_day: 3
      spacing_minutes: 90
      open_minutes: 45
""",
    """    - id: evening
      kind: practice_reminder
      open_minutes: 30
""",
)
