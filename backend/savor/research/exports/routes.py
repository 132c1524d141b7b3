"""Research API: the codebook, and datasets streamed as CSV, NDJSON or FHIR."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.engine import Engine

from savor.clock import utcnow
from savor.db import SessionDep
from savor.research import codebook as research_codebook
from savor.research import redcap
from savor.research.access import TokenScope
from savor.research.deps import ExportReader, StudiesReader, audit
from savor.research.exports import dictionary, run
from savor.research.exports import service as exports
from savor.research.exports.dictionary import study_dictionary
from savor.research.exports.writers import as_groups, csv_chunks

router = APIRouter(tags=["research"])

EXAMPLES = {
    200: {
        "description": "The dataset, streamed; `Savor-Next-Since` holds the next `since`.",
        "headers": {"Savor-Next-Since": {"schema": {"type": "string"}, "example": "4817"}},
        "content": {
            "text/csv": {"example": "pseudonym,response_ref,...\nPKM3Q...,R5TA...,...\n"},
            "application/x-ndjson": {"example": '{"pseudonym":"PKM3Q...","item_id":"S1",...}\n'},
            "application/fhir+json": {
                "example": {"resourceType": "Bundle", "type": "collection", "entry": []}
            },
        },
    }
}


@router.get(
    "/studies/{slug}/export/{dataset}", response_class=StreamingResponse, responses=EXAMPLES
)
def read_export(
    slug: str,
    dataset: exports.Dataset,
    access: ExportReader,
    session: SessionDep,
    http: Request,
    format: exports.Format = "csv",
    shape: exports.Shape = "long",
    since: Annotated[
        # Positions are 64-bit database integers; anything larger cannot be a real cursor.
        int, Query(ge=0, le=2**63 - 1, description="the last pull's Savor-Next-Since")
    ] = 0,
    instrument: Annotated[
        str | None,
        Query(max_length=40, description="responses of this instrument only (its id)"),
    ] = None,
) -> StreamingResponse:
    """Stream a dataset; free text needs export:free_text too (scope export:read)."""
    free_text = TokenScope.EXPORT_FREE_TEXT.value in access.scopes
    request = exports.ExportRequest(
        dataset=dataset,
        format=format,
        shape=shape,
        since=since,
        free_text=free_text,
        instrument=instrument,
    )
    plan = run.begin_export(
        session=session,
        study=access.study,
        request=request,
        now=utcnow(),
        token=access.token,
        actor=access.actor,
        role=access.staff.role if access.staff else None,
    )
    engine: Engine = http.app.state.engine
    done = run.completion(
        engine=engine, study=access.study, token=access.token, plan=plan, actor=access.actor
    )
    chunks = run.stream(plan, engine=engine, done=done)
    return StreamingResponse(chunks, media_type=exports.MEDIA_TYPES[format], headers=plan.headers())


@router.get("/studies/{slug}/codebook", response_model=None)
def read_codebook(
    slug: str,
    access: StudiesReader,
    session: SessionDep,
    format: Annotated[
        Literal["json", "csv", "datapackage", "redcap"],
        Query(
            description="json; csv (see part); datapackage: a Frictionless datapackage.json; "
            "redcap: a REDCap data dictionary (CSV) for the wide responses export"
        ),
    ] = "json",
    part: Annotated[
        Literal["items", "columns"],
        Query(description="for csv: the items of every instrument, or every export column"),
    ] = "items",
) -> JSONResponse | StreamingResponse:
    """Every instrument version, item, scale, anchors and wording, and every column of every
    dataset and shape with its type, unit, value labels and missing-value meaning
    (scope studies:read)."""
    book = research_codebook.load_codebook(session=session)
    free_text = TokenScope.EXPORT_FREE_TEXT.value in access.scopes
    study = access.study
    detail = {"format": format, **({"part": part} if format == "csv" else {})}
    audit(session, access, "codebook.read", utcnow(), detail)
    if format == "redcap":
        rows = redcap.data_dictionary(book, free_text=free_text)
        headers = {"Content-Disposition": f'attachment; filename="{slug}-redcap-dictionary.csv"'}
        return StreamingResponse(
            redcap.csv_chunks(rows), media_type=exports.MEDIA_TYPES["csv"], headers=headers
        )
    if format == "csv":
        if part == "columns":
            words = study_dictionary(session=session, study=study, free_text=free_text)
            rows, header, name = dictionary.csv_rows(words), dictionary.CSV_COLUMNS, "columns"
        else:
            rows = list(research_codebook.entries(book))
            header, name = research_codebook.CSV_COLUMNS, "codebook"
        chunks = csv_chunks(as_groups([rows], header), header)
        headers = {"Content-Disposition": f'attachment; filename="{slug}-{name}.csv"'}
        return StreamingResponse(chunks, media_type=exports.MEDIA_TYPES["csv"], headers=headers)
    words = study_dictionary(session=session, study=study, free_text=free_text)
    if format == "datapackage":
        headers = {"Content-Disposition": 'attachment; filename="datapackage.json"'}
        return JSONResponse(dictionary.data_package(slug, words), headers=headers)
    document = research_codebook.codebook_document(
        book, study=slug, datasets=dictionary.documentation(words)
    )
    return JSONResponse(document)
