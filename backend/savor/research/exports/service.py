"""What one export is: its request, checks, window (fixed when it is planned) and columns."""

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from sqlmodel import Session, select

from savor.ema.instruments import Instrument
from savor.errors import AppError
from savor.practices.catalog import StudyCatalog, study_catalog
from savor.research import cursor, redcap
from savor.research.anonymize import Anonymizer
from savor.research.codebook import Codebook, load_codebook
from savor.research.exports import answer_rows, sources
from savor.research.exports import columns as cols
from savor.research.exports.fhir import Urls
from savor.studies import service as studies_service
from savor.studies.decision_rules import Decisions
from savor.studies.models import Participant, Protocol, Study
from savor.studies.protocol import Features, ProgramSettings

Dataset = Literal[
    "responses",
    "prompts",
    "practice_sessions",
    "participants",
    "participant_states",
    "offers",
    "consents",
    "deletions",
    "decisions",
    "scores",
]
Format = Literal["csv", "ndjson", "fhir"]
# redcap: the wide shape as REDCap imports it (record ID first, lowercase names); see redcap.py
Shape = Literal["long", "wide", "redcap"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "fhir": "application/fhir+json",
}
EXTENSIONS = {"csv": "csv", "ndjson": "ndjson", "fhir": "json"}


@dataclass(frozen=True)
class ExportRequest:
    dataset: Dataset
    format: Format = "csv"
    shape: Shape = "long"
    since: int = 0
    free_text: bool = False
    instrument: str | None = None


@dataclass(frozen=True)
class Plan:
    request: ExportRequest
    study: str
    window: sources.ExportWindow
    columns: list[str]
    instruments: list[Instrument]
    urls: Urls
    # Item id → its alternative answers' keys: the wide shape's `_alt` columns.
    alternatives: dict[str, frozenset[str]] = field(default_factory=dict)
    # shape=redcap: multiple-choice item id → its checkbox columns and their choice keys.
    checkboxes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def until(self) -> int:
        return self.window.until

    def audit_detail(self) -> dict[str, Any]:
        """Which rows: the dataset and the exact window [since, until) that was read."""
        return {**asdict(self.request), "until": self.until}

    def headers(self) -> dict[str, str]:
        request = self.request
        shape = f"-{request.shape}" if request.shape != "long" else ""
        name = f"{self.study}-{request.dataset}{shape}.{EXTENSIONS[request.format]}"
        return {
            "Savor-Next-Since": str(self.until),
            "Content-Disposition": f'attachment; filename="{name}"',
        }


def check_request(request: ExportRequest) -> None:
    if request.format == "fhir" and request.dataset not in ("responses", "scores"):
        raise AppError(
            422, "fhir_responses_only", "FHIR is offered for the responses and scores datasets."
        )
    if request.shape == "wide" and (request.dataset != "responses" or request.format == "fhir"):
        raise AppError(422, "wide_responses_only", "shape=wide is for responses as csv or ndjson.")
    if request.shape == "redcap" and (request.dataset != "responses" or request.format != "csv"):
        raise AppError(422, "redcap_responses_only", "shape=redcap is for responses as csv.")
    if request.instrument is not None and request.dataset != "responses":
        raise AppError(
            422, "instrument_responses_only", "instrument= is for the responses dataset."
        )
    if request.since < 0:
        raise AppError(422, "invalid_since", "since is a cursor from Savor-Next-Since, 0 or more.")


def _columns(
    request: ExportRequest,
    codebook: Codebook,
    study: Study,
    session: Session,
    window: sources.ExportWindow,
) -> list:
    kinds = codebook.item_types()
    shown = [i for i in codebook.item_ids() if request.free_text or not _free(kinds, i)]
    if request.dataset == "responses" and request.shape == "redcap":
        wide = _columns(replace(request, shape="wide"), codebook, study, session, window)
        # A multiple-choice item is REDCap's checkbox: a 0/1 column per choice.
        boxes = redcap.checkboxes(codebook)
        expanded = [n for c in wide for n in ([b for b, _ in boxes[c]] if c in boxes else [c])]
        # REDCap takes the record ID (response_ref) as the first column.
        return ["response_ref", *(c for c in expanded if c != "response_ref")]
    if request.dataset == "responses" and request.shape == "wide":
        # Only the items of the instruments in this export: those answered in the window, or
        # every version of the one asked for (a header that stays the same pull after pull).
        asked = {request.instrument} if request.instrument else None
        if asked is None:
            asked = answer_rows.instruments_answered(session, window)
        items = [i for i in codebook.item_ids(asked) if i in shown]
        return cols.names(cols.wide_columns(items, codebook.alternatives()))
    if request.dataset == "practice_sessions":
        program = studies_service.protocol_document(session=session, study=study).program
        practices = study_catalog(program).practices.values()
        # Before and after apart: an item only an after-practice check-in asks (H1) has no
        # pre_ column, and the other way round.
        pre = {i for p in practices for i in p.ema.pre}
        post = {i for p in practices for i in p.ema.post}
        ratings = cols.rating_columns("pre", [i for i in codebook.item_ids(pre) if i in shown])
        ratings += cols.rating_columns("post", [i for i in codebook.item_ids(post) if i in shown])
        return cols.names(cols.PRACTICE_SESSIONS + ratings)
    if request.dataset == "decisions":
        trials = window.decisions.values()
        options = list(dict.fromkeys(o.id for d in trials for o in d.options))
        items = list(dict.fromkeys(i for d in trials for i in d.proximal_outcome.items))
        return cols.names(cols.decision_columns(options, items))
    return cols.names(cols.DATASETS[request.dataset])


def _trials(session: Session, study: Study) -> dict[int, Decisions]:
    """Each protocol version's decisions block, for those that run a trial."""
    stored = session.exec(
        select(Protocol.version, Protocol.document).where(Protocol.study_id == study.id)
    ).all()
    return {
        version: Decisions.model_validate(document["decisions"])
        for version, document in sorted(stored)
        if document.get("decisions")
    }


def _free(kinds: dict[tuple[str, str, str], str], item_id: str) -> bool:
    return any(kind == "text" for (_, _, i), kind in kinds.items() if i == item_id)


def _features(session: Session, study: Study) -> Features:
    # Only the switches are needed. The whole document's validation checks the program against
    # every practice, which a fresh process (the CLI, a new worker) first loads from YAML: 0.15 s
    # an export. The stored document passed that check when it was applied.
    stored = studies_service.active_protocol(session=session, study=study).document
    return Features.model_validate(stored.get("features", {}))


def _program_weeks(session: Session, study: Study) -> int:
    stored = studies_service.active_protocol(session=session, study=study).document
    return ProgramSettings.model_validate(stored.get("program", {})).weeks


def _catalogs(session: Session, study: Study) -> dict[int, StudyCatalog]:
    """Each protocol version's practice catalog: which practice unlocks in which week."""
    stored = session.exec(
        select(Protocol.version, Protocol.document).where(Protocol.study_id == study.id)
    ).all()
    return {
        version: study_catalog(ProgramSettings.model_validate(document.get("program", {})))
        for version, document in stored
    }


def _thresholds(session: Session, study: Study) -> dict[int, int]:
    """Each protocol version's high-rating threshold: the one in force for an offer."""
    stored = session.exec(
        select(Protocol.version, Protocol.document).where(Protocol.study_id == study.id)
    ).all()
    return {
        version: Features.model_validate(document.get("features", {})).high_rating_threshold
        for version, document in stored
    }


def plan_export(*, session: Session, study: Study, request: ExportRequest) -> Plan:
    """Fix the window now: every row changed before the horizon, and after `since`."""
    check_request(request)
    codebook = load_codebook(session=session)
    if request.instrument is not None and request.instrument not in {
        i.id for i in codebook.instruments
    }:
        raise AppError(
            422, "unknown_instrument", f"There is no instrument '{request.instrument}' here."
        )
    features = _features(session, study)
    until = max(request.since, cursor.horizon(session))
    people = session.exec(
        select(Participant.id, Participant.agreed_features).where(Participant.study_id == study.id)
    ).all()
    # Shifting only protects: she keeps it if she joined under it, whatever the study says now.
    shifted = frozenset(i for i, agreed in people if agreed.get("date_shift_exports"))
    # Her whole history, read once: each row's zone is looked up in it at the row's moment.
    histories = studies_service.histories(session=session, study=study)
    window = sources.ExportWindow(
        study_id=study.id,
        since=request.since,
        until=until,
        people=histories,
        anonymizer=Anonymizer(
            study_secret=study.secret,
            shift_dates=features.date_shift_exports,
            shifted=shifted,
        ),
        free_text=request.free_text,
        instrument=request.instrument,
        item_types=codebook.item_types(),
        program_weeks=_program_weeks(session, study),
        item_positions=codebook.item_positions(),
    )
    if request.dataset == "offers":
        window = replace(window, thresholds=_thresholds(session, study))
    if request.dataset == "practice_sessions":
        window = replace(window, catalogs=_catalogs(session, study))
    if request.dataset == "decisions":
        window = replace(window, decisions=_trials(session, study))
    return Plan(
        request=request,
        study=study.slug,
        window=window,
        columns=_columns(request, codebook, study, session, window),
        instruments=codebook.instruments,
        urls=Urls(study.slug),
        alternatives=codebook.alternatives(),
        checkboxes=redcap.checkboxes(codebook) if request.shape == "redcap" else {},
    )
