"""A micro-randomized trial through the real service, analysed as its data dictionary says.

Synthetic mothers join a study whose protocol has a `decisions` block, check in three times
a day for weeks on a simulated clock, get two random-time probes a day (planned by the
service's planner and decided by its ticker job at their time), and answer the follow-up
prompt the server schedules after each decision point. Their craving at the follow-up is
lower by a known amount when a practice was offered. The `decisions` dataset is then pulled
through the research API and the excursion effect of an offer is estimated by weighted and
centered least squares (Boruvka et al. 2018) with statsmodels: its 95 % interval should cover
the truth, and the option frequencies should match the protocol's probabilities. Everything
runs in one process (the app under Starlette's TestClient, SQLite in a temporary directory in
memory). Her behaviour is seeded and the study secret fixed, but her id is new at each
enrollment and is part of every draw's seed, so the draws, and with them the figures, move a
little from run to run.

    .venv/bin/python -m benchmarks.mrt [--participants 200] [--days 28] [--seed 7]
"""

import argparse
import heapq
import json
import math
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import savor.clock
from savor import migrate
from savor.config import Settings
from savor.db import make_engine
from savor.ema import planning as ema_planning
from savor.practices.shipped import default_catalog
from savor.research import service as research_service
from savor.research.access import ALL_BUT_FREE_TEXT
from savor.studies import service as studies_service

TRUE_EFFECT = -1.0  # of offering a practice on the next craving rating (0-10), latent scale
START = datetime(2027, 1, 4, 12, tzinfo=UTC)  # a Monday, 06:00 in Chicago
ZONE = "America/Chicago"
SLUG = "mrt-bench"
STUDY_SECRET = "benchmark-study-secret-fixed-so-every-draw-is-reproducible"
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
        - {id: high, min_rating: 8, probabilities: {breathing: 0.4, savoring: 0.3, none: 0.3}}
    - id: day_probe
      kind: probe
      per_day: 2
      spacing_minutes: 120
      open_minutes: 45
      probabilities: {breathing: 0.3, savoring: 0.2, none: 0.5}
  availability:
    min_minutes_between_offers: 60
    max_offers_per_day: 4
    practice_minutes: 20
    crisis_minutes: 120
  proximal_outcome:
    instrument: momentary
    items: [C1, S1]
    window_minutes: [30, 120]
"""
MOMENTS = ((9, 12), (13, 16), (17, 21))  # her local hours of the three daily check-ins
ANSWERS_FOLLOW_UP = 0.85
ACCEPTS_OFFER = 0.6
NOISE = 1.3


@dataclass
class Mother:
    n: int
    headers: dict[str, str]
    baseline: float  # her usual craving
    offers: list[datetime] = field(default_factory=list)  # when the server offered her one

    def craving_mean(self, when: datetime) -> float:
        """Her expected craving at `when`: her usual level, drifting down over the weeks, and
        lower by the true effect for each offer made 30 to 120 minutes before (additive, so
        each offer's effect on the check-ins of its window is exactly TRUE_EFFECT)."""
        day = (when - START) / timedelta(days=1)
        recent = sum(
            timedelta(minutes=30) <= when - at <= timedelta(minutes=120) for at in self.offers
        )
        return self.baseline - 0.02 * day + TRUE_EFFECT * recent


@dataclass
class Trial:
    """What the simulation knows that the data must recover."""

    requests: int = 0
    checkins: int = 0
    follow_ups_answered: int = 0
    # The latent mean of each check-in, to state the effect on the observed (rounded,
    # bounded) scale too.
    latent: list[float] = field(default_factory=list)


@contextmanager
def simulated_clock(start: datetime) -> Iterator[Callable[[datetime], None]]:
    """Every service module reads `now` from here while the trial runs."""
    real = savor.clock.utcnow
    holders = [m for n, m in sys.modules.items() if n.startswith("savor") and m is not None]
    holders = [m for m in holders if getattr(m, "utcnow", None) is real]
    moment = [start]
    for module in holders:
        module.utcnow = lambda: moment[0]  # type: ignore[attr-defined]
    try:
        yield lambda at: moment.__setitem__(0, at)
    finally:
        for module in holders:
            module.utcnow = real  # type: ignore[attr-defined]


def _rating(value: float) -> int:
    return max(0, min(10, round(value)))


class Simulation:
    def __init__(
        self, client: Any, rng: random.Random, trial: Trial, set_now: Callable, engine: Any
    ) -> None:
        self.client, self.rng, self.trial, self.set_now = client, rng, trial, set_now
        self.engine = engine
        self.mothers: dict[uuid.UUID, Mother] = {}
        self.probes_seen: set[uuid.UUID] = set()
        self.events: list[tuple[datetime, int, str, Mother, dict]] = []
        self.seq = 0
        practices = default_catalog().practices
        self.practices = {pid: practices[pid] for pid in ("P03", "P08")}

    def at(self, when: datetime, kind: str, her: Mother, **payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.events, (when, self.seq, kind, her, payload))

    def run(self) -> None:
        while self.events:
            when, _, kind, her, payload = heapq.heappop(self.events)
            self.set_now(when)
            getattr(self, kind)(when, her, **payload)

    def _post(self, path: str, her: Mother, body: dict) -> dict:
        self.trial.requests += 1
        response = self.client.post(path, headers=her.headers, json=body)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{path}: {response.status_code} {response.text}")
        return response.json()

    def _check_in(
        self, when: datetime, her: Mother, craving: int, prompt_id: str | None = None
    ) -> None:
        stress = _rating(craving + self.rng.gauss(0, 0.7))
        body = {
            "client_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "prompt_id": prompt_id,
            "instrument_id": "momentary",
            "instrument_version": "1",
            "submitted_at": when.isoformat(),
            "answers": [{"item_id": "C1", "value": craving}, {"item_id": "S1", "value": stress}],
        }
        reply = self._post("/api/v1/responses", her, body)
        self.trial.checkins += 1
        offers = [o for o in reply["offers"] if o["rule"].startswith("mrt_")]
        if offers:
            her.offers.append(when)
        if offers and self.rng.random() < ACCEPTS_OFFER:
            offer = offers[0]
            self._post(f"/api/v1/offers/{offer['id']}", her, {"outcome": "accepted"})
            practice = self.practices[offer["practice_id"]]
            started = when + timedelta(minutes=1)
            variant = practice.variants[0]
            ends = started + timedelta(seconds=variant.duration_s)
            self.at(ends, "practised", her, offer=offer, started=started)
        if max(craving, stress) >= 7 and self.rng.random() < ANSWERS_FOLLOW_UP:
            # Her phone shows the follow-up when it is due; she answers it some time in its window.
            later = when + timedelta(minutes=self.rng.uniform(32, 115))
            self.at(later, "follow_up", her)

    def _craving(self, when: datetime, her: Mother) -> int:
        mean = her.craving_mean(when)
        self.trial.latent.append(mean)
        return _rating(mean + self.rng.gauss(0, NOISE))

    def moment(self, when: datetime, her: Mother, day: int) -> None:
        self._check_in(when, her, self._craving(when, her))

    def follow_up(self, when: datetime, her: Mother) -> None:
        self.trial.requests += 1
        open_now = self.client.get("/api/v1/prompts", headers=her.headers).json()
        due = [p for p in open_now if p["kind"] == "follow_up"]
        if not due:
            return
        self.trial.follow_ups_answered += 1
        self._check_in(when, her, self._craving(when, her), prompt_id=due[0]["id"])

    def plan(self, when: datetime, her: None) -> None:
        """The ticker's planning, once a day: her probes of the next day, each an event."""
        from sqlmodel import Session, col, select

        from savor.ema.decisions.probes import PROBE_KIND
        from savor.ema.models import Prompt

        with Session(self.engine) as session:
            study = studies_service.get_study(session=session, slug=SLUG)
            assert study is not None
            document = studies_service.protocol_document(session=session, study=study)
            ema_planning.plan_study(session=session, study=study, document=document, now=when)
            waiting = session.exec(
                select(Prompt.id, Prompt.participant_id, Prompt.scheduled_at)
                .where(Prompt.kind == PROBE_KIND, Prompt.status == "scheduled")
                .where(col(Prompt.scheduled_at) > when)
            ).all()
        for probe_id, who, at in waiting:
            if probe_id not in self.probes_seen and who in self.mothers:
                self.probes_seen.add(probe_id)
                self.at(at, "probe", self.mothers[who], probe_id=probe_id)

    def probe(self, when: datetime, her: Mother, probe_id: uuid.UUID) -> None:
        """The ticker decides every probe due; her phone then shows an offer, or nothing."""
        from sqlmodel import Session, select

        from savor.ema.decisions import probe_decide, probes
        from savor.ema.decisions.models import Decision
        from savor.ema.models import Prompt

        with Session(self.engine) as session:
            probe_decide.decide_due(session=session, now=when)
            prompt = session.get(Prompt, probe_id)
            decision = session.exec(
                select(Decision).where(Decision.point == probes.point(probe_id))
            ).first()
            offered = prompt is not None and prompt.kind == probes.OFFER_KIND
            followed = decision is not None and decision.follow_up_prompt_id is not None
        if offered:
            her.offers.append(when)
            if self.rng.random() < ACCEPTS_OFFER:
                self.trial.requests += 2
                offer = self.client.get(
                    f"/api/v1/prompts/{probe_id}/offer", headers=her.headers
                ).json()
                self._post(f"/api/v1/prompts/{probe_id}/opened", her, {})
                started = when + timedelta(minutes=2)
                variant = self.practices[offer["practice_id"]].variants[0]
                ends = started + timedelta(seconds=variant.duration_s)
                self.at(ends, "practised", her, offer=offer, started=started)
        if followed and self.rng.random() < ANSWERS_FOLLOW_UP:
            self.at(when + timedelta(minutes=self.rng.uniform(32, 115)), "follow_up", her)

    def practised(self, when: datetime, her: Mother, offer: dict, started: datetime) -> None:
        practice = self.practices[offer["practice_id"]]
        variant = practice.variants[0]
        completed = self.rng.random() < 0.8
        body = {
            "client_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "practice_id": practice.id,
            "practice_version": practice.version,
            "variant": variant.key,
            "started_at": started.isoformat(),
            "ended_at": when.isoformat(),
            "completed": completed,
            "seconds_practiced": variant.duration_s if completed else variant.duration_s // 2,
            "steps_completed": len(variant.steps) if completed else 1,
            "trigger": "rule",
            "rule": offer["rule"],
        }
        self._post("/api/v1/practice-sessions", her, body)


def _moments(rng: random.Random, days: int) -> Iterator[tuple[int, datetime]]:
    zone = ZoneInfo(ZONE)
    first = START.astimezone(zone).date()
    for day in range(days):
        date = first + timedelta(days=day)
        for low, high in MOMENTS:
            minute = rng.uniform(low * 60, high * 60)
            local = datetime.combine(date, datetime.min.time(), zone) + timedelta(minutes=minute)
            yield day, local.astimezone(UTC)


def _newest(engine: Any, known: dict) -> uuid.UUID:
    """The participant just enrolled: the one id of the study not known yet."""
    from sqlmodel import Session, select

    from savor.studies.models import Participant

    with Session(engine) as session:
        ids = set(session.exec(select(Participant.id)).all())
    [new] = ids - set(known)
    return new


def simulate(data_dir: Path, participants: int, days: int, seed: int) -> tuple[list[dict], Trial]:
    """Run the trial; returns the decisions dataset as the research API gives it (ndjson)."""
    from fastapi.testclient import TestClient

    from savor.main import create_app

    settings = Settings(
        data_dir=data_dir,
        secret_key="benchmark-pepper-" + "x" * 32,
        scheduler_enabled=False,
        writer_process=False,
        log_level="WARNING",
        _env_file=None,  # type: ignore[call-arg]
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url)
    rng = random.Random(seed)
    trial = Trial()
    with simulated_clock(START) as set_now, TestClient(create_app(settings)) as client:
        engine = make_engine(settings.resolved_database_url)
        from sqlmodel import Session

        with Session(engine) as session:
            study = studies_service.create_study(session=session, slug=SLUG, name="MRT", now=START)
            study.secret = STUDY_SECRET
            session.add(study)
            session.commit()
            source = studies_service.protocol_source_for(slug=SLUG, name="MRT") + DECISIONS
            studies_service.apply_protocol(session=session, source=source, now=START)
            codes = studies_service.create_enrollment_codes(
                session=session,
                study=study,
                count=participants,
                expires_in_days=30,
                pepper=settings.pepper(),
                now=START,
            )
            token = research_service.create_research_token(
                session=session, study=study, scopes=ALL_BUT_FREE_TEXT, label="bench", now=START
            )
        simulation = Simulation(client, rng, trial, set_now, engine)
        for n, code in enumerate(codes):
            enrolled = client.post(
                "/api/v1/enroll",
                json={"code": code, "timezone": ZONE, "language": "en", "consent_version": 1},
            )
            headers = {"Authorization": f"Bearer {enrolled.json()['token']}"}
            her = Mother(n, headers, baseline=rng.gauss(5.8, 0.8))
            simulation.mothers[_newest(engine, simulation.mothers)] = her
            for day, when in _moments(rng, days):
                simulation.at(when, "moment", her, day=day)
        for day in range(days):  # the planner runs each morning before she wakes
            simulation.at(START + timedelta(days=day, minutes=1), "plan", None)
        simulation.run()
        set_now(START + timedelta(days=days + 1))
        pulled = client.get(
            f"/api/research/v1/studies/{SLUG}/export/decisions",
            params={"format": "ndjson"},
            headers={"Authorization": f"Bearer {token}"},
        )
        pulled.raise_for_status()
        engine.dispose()
    rows = [json.loads(line) for line in pulled.text.splitlines() if line]
    return rows, trial


@dataclass
class Estimate:
    effect: float
    se: float
    low: float
    high: float
    points: int
    participants: int
    centering: float


def wcls(rows: list[dict], outcome: str = "outcome_C1") -> Estimate:
    """The causal excursion effect of an offer on `outcome`, by weighted and centered least
    squares: Y ~ 1 + rating + probe + day + (A - p~), weights (p~/p)^A ((1-p~)/(1-p))^(1-A),
    standard errors robust to clustering by participant."""
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    frame = pd.DataFrame(rows)
    used = frame[frame["available"] & frame[outcome].notna()].copy()
    a = used["offered"].astype(float)
    p = used["p_offer"].astype(float)
    centering = float(frame.loc[frame["available"], "p_offer"].mean())
    weights = np.where(a == 1, centering / p, (1 - centering) / (1 - p))
    design = pd.DataFrame(
        {
            "intercept": 1.0,
            # A probe has no rating: its own intercept instead (0 on the rating then).
            "rating": used["rating"].astype(float).fillna(0.0),
            "probe": (used["point_kind"] == "probe").astype(float),
            "day": used["day_in_study"].astype(float),
            "offer_centered": a - centering,
        }
    )
    groups = pd.factorize(used["pseudonym"])[0]
    fit = sm.WLS(used[outcome].astype(float), design, weights=weights).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    low, high = fit.conf_int(0.05).loc["offer_centered"]
    return Estimate(
        effect=float(fit.params["offer_centered"]),
        se=float(fit.bse["offer_centered"]),
        low=float(low),
        high=float(high),
        points=len(used),
        participants=int(used["pseudonym"].nunique()),
        centering=centering,
    )


def observed_scale_truth(latent: list[float], seed: int) -> float:
    """The true effect on the rounded, bounded 0-10 scale she answers on, by common random
    numbers over her check-ins' expected cravings (close to TRUE_EFFECT: rounding and the
    bounds barely bend it)."""
    rng = random.Random(seed)
    total = 0.0
    draws = 200
    for mean in latent[:: max(1, len(latent) // 5000)]:
        for _ in range(draws):
            noise = rng.gauss(0, NOISE)
            total += _rating(mean + TRUE_EFFECT + noise) - _rating(mean + noise)
    return total / (len(latent[:: max(1, len(latent) // 5000)]) * draws)


def recovered_probabilities(rows: list[dict]) -> list[dict]:
    """Per stratum (or probe rule): each option's declared probability, its share of the
    draws, and the chi-square p-value of the counts against the declared probabilities."""
    from scipy.stats import chi2

    found = []
    # A probe rule has no strata: its points are a group of their own, named by the rule.
    group = {id(r): r["stratum"] or r["rule"] for r in rows}
    for stratum in sorted({group[id(r)] for r in rows if r["available"]}):
        drawn = [r for r in rows if r["available"] and group[id(r)] == stratum]
        options = [k.removeprefix("p_") for k in drawn[0] if k.startswith("p_") and k != "p_offer"]
        declared = {o: drawn[0][f"p_{o}"] for o in options}
        counts = {o: sum(r["option"] == o for r in drawn) for o in options}
        expected = {o: declared[o] * len(drawn) for o in options}
        statistic = sum((counts[o] - expected[o]) ** 2 / expected[o] for o in options)
        found.append(
            {
                "stratum": stratum,
                "points": len(drawn),
                "declared": declared,
                "observed": {o: counts[o] / len(drawn) for o in options},
                "chi_square_p": float(chi2.sf(statistic, len(options) - 1)),
            }
        )
    return found


def report(rows: list[dict], trial: Trial, seed: int, seconds: float) -> dict:
    estimate = wcls(rows)
    truth = observed_scale_truth(trial.latent, seed)
    reasons: dict[str, int] = {}
    for r in rows:
        reasons[r["unavailable_reason"] or "available"] = (
            reasons.get(r["unavailable_reason"] or "available", 0) + 1
        )
    offered = [r for r in rows if r.get("offered")]
    return {
        "seconds": round(seconds, 1),
        "requests": trial.requests,
        "checkins": trial.checkins,
        "decision_points": len(rows),
        "availability": reasons,
        "offers_accepted": sum(r["offer_outcome"] == "accepted" for r in offered),
        "offers": len(offered),
        "practices_completed": sum(bool(r["practice_completed"]) for r in offered),
        "true_effect_latent": TRUE_EFFECT,
        "true_effect_observed_scale": round(truth, 3),
        "estimate": round(estimate.effect, 3),
        "se": round(estimate.se, 3),
        "ci95": [round(estimate.low, 3), round(estimate.high, 3)],
        "covers_truth": estimate.low <= truth <= estimate.high
        and estimate.low <= TRUE_EFFECT <= estimate.high,
        "points_in_fit": estimate.points,
        "participants_in_fit": estimate.participants,
        "centering_probability": round(estimate.centering, 4),
        "probabilities": recovered_probabilities(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    began = time.perf_counter()
    # In memory where there is one: the trial measures the analysis, not the disk.
    shm = Path("/dev/shm")
    where = str(shm) if shm.is_dir() else None
    with tempfile.TemporaryDirectory(prefix="savor-mrt-", dir=where) as tmp:
        rows, trial = simulate(Path(tmp), args.participants, args.days, args.seed)
    figures = report(rows, trial, args.seed, time.perf_counter() - began)
    print(json.dumps(figures, indent=2))
    probabilities_match = all(p["chi_square_p"] > 0.001 for p in figures["probabilities"])
    if not figures["covers_truth"] or not probabilities_match:
        sys.exit("the trial's data did not recover the truth")
    print(
        f"effect {figures['estimate']} (95% CI {figures['ci95'][0]} to {figures['ci95'][1]}), "
        f"truth {TRUE_EFFECT} latent / {figures['true_effect_observed_scale']} observed; "
        f"{figures['decision_points']} decision points in {figures['seconds']} s",
        flush=True,
    )
    assert not math.isnan(figures["estimate"])


if __name__ == "__main__":
    main()
