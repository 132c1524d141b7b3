"""Rows of the decisions dataset: one per decision point, with what followed it.

A decision is stored once, before its offer is shown, and never changed (ema/decisions). What
followed is read here from where it was recorded as it happened: the offer's outcome, the
practice session begun from it, and the check-in that measured the proximal outcome. A row
is as known when it is read; since outcomes come after the decision, an analysis pulls the
dataset whole (since=0) once the last window has closed (see the README's "Micro-randomized
offers" for the estimator it is made for).
"""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from savor.ema.decisions import probes
from savor.ema.decisions.checkin import OFFER_RULE_PREFIX
from savor.ema.decisions.models import Decision
from savor.ema.decisions.probe_decide import POINT_KINDS
from savor.ema.models import Offer, Prompt, Response, ResponseItem
from savor.practices import progress
from savor.practices.models import PracticeSession
from savor.research.exports.sources import CLOCK_SKEW, ExportWindow, Records, _study_pages, times
from savor.studies.decision_rules import Decisions
from savor.studies.models import Participant

# Decision points whose offer is a notification (a prompt of kind offer), not a check-in's.
PROMPTED = tuple(POINT_KINDS.values())


def decisions(session: Session, window: ExportWindow) -> Iterator[Records]:
    table = Decision
    for rows in _study_pages(session, window, select(table), table):
        page: list[Decision] = [r.Decision for r in rows]
        yield _Page(session, window, page).rows()


class _Page:
    """One page of decisions and everything that followed them, read in a few queries."""

    def __init__(self, session: Session, window: ExportWindow, page: list[Decision]) -> None:
        self.window, self.page = window, page
        people = {d.participant_id for d in page}
        self.enrolled = dict(
            session.exec(
                select(Participant.id, Participant.enrolled_at).where(
                    col(Participant.id).in_(people)
                )
            ).all()
        )
        responses = [d.response_id for d in page if d.response_id is not None]
        self.offers = {
            o.response_id: o
            for o in session.exec(
                select(Offer)
                .where(col(Offer.response_id).in_(responses))
                .where(col(Offer.rule).startswith(OFFER_RULE_PREFIX))
            )
        }
        # A probe's offer is its notification, a prompt of kind offer (ema/decisions/probes.py).
        notified = [probes.prompt_of(d.point) for d in page if d.kind in PROMPTED and d.practice_id]
        self.notifications = {
            p.id: p for p in session.exec(select(Prompt).where(col(Prompt.id).in_(notified)))
        }
        start = min((d.decided_at for d in page), default=None)
        end = max((d.window_end for d in page), default=None)
        self.sessions: list[PracticeSession] = []
        self.answers: dict[uuid.UUID, list[Response]] = {}
        self.values: dict[uuid.UUID, dict[str, Any]] = {}
        if start is None or end is None:
            return
        self.sessions = list(
            session.exec(
                select(PracticeSession)
                .where(col(PracticeSession.participant_id).in_(people))
                .where(PracticeSession.trigger == "rule")
                .where(PracticeSession.started_at >= start - CLOCK_SKEW)
                .where(PracticeSession.started_at <= end)
                .order_by(col(PracticeSession.started_at))
            )
        )
        for response in session.exec(
            select(Response)
            .where(col(Response.participant_id).in_(people))
            .where(Response.submitted_at >= start, Response.submitted_at <= end)
            .order_by(col(Response.submitted_at))
        ):
            self.answers.setdefault(response.participant_id, []).append(response)
        ids = [r.id for found in self.answers.values() for r in found]
        for item in session.exec(
            select(ResponseItem)
            .where(col(ResponseItem.response_id).in_(ids))
            .where(col(ResponseItem.declined).is_(False))
        ):
            self.values.setdefault(item.response_id, {})[item.item_id] = item.value

    def rows(self) -> Records:
        return [self._row(d) for d in self.page]

    def _row(self, d: Decision) -> dict[str, Any]:
        window = self.window
        name, weeks = window.anonymizer.person(d.participant_id)
        zone = window.people[d.participant_id].zone_at(d.decided_at)
        trial = window.decisions.get(d.protocol_version)
        row: dict[str, Any] = {
            "pseudonym": name,
            "decision_ref": window.anonymizer.ref("D", d.id),
            "rule": d.rule,
            "point_kind": d.kind,
        }
        times(row, {"decided_at": d.decided_at}, zone, weeks, "decided_at")
        enrolled = progress.local_date(self.enrolled[d.participant_id], zone)
        row.update(
            timezone=zone,
            local_date=row["decided_at_local"][:10],
            day_in_study=(progress.local_date(d.decided_at, zone) - enrolled).days + 1,
            protocol_version=d.protocol_version,
            rating=d.rating,
            stratum=d.stratum,
            available=d.available,
            unavailable_reason=d.unavailable_reason,
            p_offer=_p_offer(trial, d.probabilities),
            draw=d.draw,
            option=d.option,
            offered=None if d.option is None else d.practice_id is not None,
            practice_id=d.practice_id,
        )
        row |= self._offer(d)
        minutes = (d.window_start - d.decided_at, d.window_end - d.decided_at)
        row["window_start_min"], row["window_end_min"] = (
            m // timedelta(minutes=1) for m in minutes
        )
        times(row, {"window_start": d.window_start, "window_end": d.window_end}, zone, weeks)
        row["follow_up_prompt_ref"] = window.anonymizer.ref("Q", d.follow_up_prompt_id)
        row |= {f"p_{option}": p for option, p in d.probabilities.items()}
        return row | self._outcome(d, trial, zone, weeks)

    def _offer(self, d: Decision) -> dict[str, Any]:
        offer = self.offers.get(d.response_id) if d.practice_id else None
        if d.kind in PROMPTED and d.practice_id:
            offer = self._probe_offer(d)
        if offer is None:
            return dict.fromkeys(
                (
                    "offer_ref",
                    "offer_outcome",
                    "practice_started",
                    "practice_completed",
                    "session_ref",
                )
            )
        begun = next(
            (
                s
                for s in self.sessions
                if s.participant_id == d.participant_id
                and s.rule == offer.rule
                and s.practice_id == offer.practice_id
                and d.decided_at - CLOCK_SKEW <= s.started_at <= d.window_end
            ),
            None,
        )
        return {
            "offer_ref": self.window.anonymizer.ref("Q" if d.kind in PROMPTED else "O", offer.id),
            "offer_outcome": offer.outcome,
            "practice_started": begun is not None,
            "practice_completed": begun is not None and begun.completed,
            "session_ref": self.window.anonymizer.ref("S", begun.id) if begun else None,
        }

    def _probe_offer(self, d: Decision) -> Offer | None:
        """A probe's offer as her phone reported its notification, read as an offer."""
        prompt = self.notifications.get(probes.prompt_of(d.point))
        if prompt is None:
            return None
        if prompt.opened_at is not None:
            outcome = "accepted"
        elif prompt.dismissed_at is not None:
            outcome = "declined"
        elif prompt.status == "expired":
            outcome = "expired"
        else:
            outcome = "shown" if prompt.shown_at is not None else "offered"
        return Offer(
            id=prompt.id,
            participant_id=d.participant_id,
            response_id=uuid.UUID(int=0),  # a probe answers nothing; never read
            rule=OFFER_RULE_PREFIX + d.rule,
            practice_id=d.practice_id,
            outcome=outcome,
            offered_at=d.decided_at,
        )

    def _outcome(
        self, d: Decision, trial: Decisions | None, zone: str, weeks: int
    ) -> dict[str, Any]:
        items = trial.proximal_outcome.items if trial else []
        measured = [
            r
            for r in self.answers.get(d.participant_id, [])
            if d.window_start <= r.submitted_at <= d.window_end
            and r.id != d.response_id
            and any(i in self.values.get(r.id, {}) for i in items)
        ]
        follow_up = [r for r in measured if r.prompt_id and r.prompt_id == d.follow_up_prompt_id]
        chosen = (follow_up or measured or [None])[0]
        row: dict[str, Any] = {
            "outcome_response_ref": self.window.anonymizer.ref("R", chosen.id if chosen else None),
            "outcome_source": None if chosen is None else ("follow_up" if follow_up else "other"),
        }
        times(row, {"outcome_at": chosen.submitted_at if chosen else None}, zone, weeks)
        values = self.values.get(chosen.id, {}) if chosen else {}
        return row | {f"outcome_{i}": values.get(i) for i in items}


def _p_offer(trial: Decisions | None, probabilities: dict[str, float]) -> float | None:
    if trial is None:
        return None
    empty = {o.id for o in trial.options if o.practice is None}
    return round(sum(p for o, p in probabilities.items() if o not in empty), 12)
