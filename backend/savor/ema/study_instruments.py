"""A study's own instruments, brought in its protocol beside the shipped ones.

A study may hold the licence to a questionnaire Savor does not ship (EPDS, PSI...): it puts
the instrument, in the same shape as a shipped file (items, source, scoring), in the
protocol's `extra_instruments`, lists it in `instruments` and asks it in waves or schedules.
It is checked when the protocol is applied, as the shipped files are when they load, and then
stored as every asked instrument is (ema.registry), so answers, scores, the codebook and the
exports treat it as they treat a shipped one.
"""

import json
from functools import lru_cache

from sqlmodel import Session

from savor.content_loader import ContentError
from savor.ema import registry
from savor.ema.instruments import (
    Instrument,
    default_instruments,
    parse_instrument,
    shared_item_problems,
)
from savor.practices.catalog import checked_protocol as checked_program
from savor.studies.protocol import ProtocolDocument, ProtocolError, refused


@lru_cache(maxsize=64)
def _parsed(extra_json: str) -> tuple[dict[str, Instrument], tuple[str, ...]]:
    shipped = default_instruments()
    own: dict[str, Instrument] = {}
    problems: list[str] = []
    for n, data in enumerate(json.loads(extra_json)):
        where = f"extra_instruments[{n}]"
        try:
            instrument = parse_instrument(data, source=where)
        except ContentError as exc:
            problems += [f"{where}: {line}" for line in exc.problems]
            continue
        if instrument.id in shipped:
            problems.append(
                f"{where}: instrument id {instrument.id} is a shipped instrument's; "
                "give the study's own instrument an id of its own"
            )
            continue
        if instrument.id in own:
            problems.append(f"{where}: instrument id {instrument.id} is used twice")
            continue
        own[instrument.id] = instrument
    problems += [f"extra_instruments: {p}" for p in shared_item_problems(shipped | own)]
    return own, tuple(problems)


def _extra_json(document: ProtocolDocument) -> str:
    return json.dumps(document.extra_instruments, sort_keys=True, default=str)


def own_instruments(document: ProtocolDocument) -> dict[str, Instrument]:
    """The study's own instruments, by id (those that passed their checks)."""
    if not document.extra_instruments:
        return {}
    return _parsed(_extra_json(document))[0]


def instrument_problems(document: ProtocolDocument) -> list[str]:
    """Every mistake in the study's own instruments and in what its waves and schedules ask,
    one line each, naming where it is."""
    own, problems = _parsed(_extra_json(document)) if document.extra_instruments else ({}, ())
    found = list(problems)
    known = default_instruments() | own
    # One that was brought but has mistakes is already named with them.
    brought = {d.get("id") for d in document.extra_instruments}
    found += [
        f"instruments: {name} is neither a shipped instrument nor one of extra_instruments"
        for name in document.instruments
        if name not in known and name not in brought
    ]
    for n, wave in enumerate(document.waves):
        asked = known.get(wave.instrument)
        if asked is not None and asked.kind != "questionnaire":
            found.append(
                f"waves[{n}]: {wave.instrument} is a check-in, not a questionnaire (kind: "
                "questionnaire, with source and scoring)"
            )
    return found


def checked_protocol(source: str) -> ProtocolDocument:
    """A protocol from a person, parsed, its program checked against the practices and its
    instruments against the shipped ones; ProtocolError lists every problem."""
    document = checked_program(source)
    if problems := instrument_problems(document):
        raise ProtocolError(problems)
    return document


def resolve(document: ProtocolDocument, instrument_id: str) -> Instrument:
    """The instrument as this study asks it now: its own, or the shipped one."""
    own = own_instruments(document).get(instrument_id)
    return own if own is not None else registry.current(instrument_id)


def register_own(*, session: Session, document: ProtocolDocument) -> None:
    """Store the study's own instruments as asked instruments, so the codebook shows them
    from the start; a changed wording under an old version is a 422, as for a shipped one."""
    for instrument in own_instruments(document).values():
        try:
            registry.register(session=session, instrument=instrument)
        except registry.InstrumentChangedError as exc:
            problem = (
                f"extra_instruments: {instrument.id} version {instrument.version} is already "
                "stored with other wording or scoring; raise its version"
            )
            raise refused([problem]) from exc
