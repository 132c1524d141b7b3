"""GET …/codebook?format=redcap: a REDCap data dictionary whose variables and choice codes are
the wide responses export's columns and values, so the export imports as it is."""

import csv
import io
import uuid
from datetime import date, timedelta

from savor.clock import utcnow
from tests.factories import bearer
from tests.research.expected import get, read_csv
from tests.research.test_export_scores import answered  # noqa: F401  (a fixture)

CODEBOOK = "/api/research/v1/studies/pilot/codebook"
HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]


def dictionary(client, token: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    response = client.get(CODEBOOK, params={"format": "redcap"}, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    fields = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    return rows[0], fields


def codes(field: dict[str, str]) -> list[str]:
    choices = field["Choices, Calculations, OR Slider Labels"]
    return [part.split(",", 1)[0].strip() for part in choices.split("|")]


def test_it_has_redcap_s_18_columns_and_the_record_id_first(client, answered):  # noqa: F811
    header, fields = dictionary(client, answered["token"])

    assert header == HEADER
    first = next(iter(fields.values()))
    assert first["Variable / Field Name"] == "response_ref"


def test_a_questionnaire_item_is_a_radio_with_its_codes_and_source(client, answered):  # noqa: F811
    _, fields = dictionary(client, answered["token"])
    phq9_1 = fields["phq9_1"]

    assert (phq9_1["Form Name"], phq9_1["Field Type"]) == ("phq9", "radio")
    assert phq9_1["Choices, Calculations, OR Slider Labels"] == (
        "0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day"
    )
    assert phq9_1["Section Header"] == "How you've been feeling (PHQ-9)"
    assert "Public domain" in phq9_1["Field Annotation"]
    assert fields["phq9_2"]["Section Header"] == ""


def test_show_if_becomes_branching_logic(client, answered):  # noqa: F811
    _, fields = dictionary(client, answered["token"])

    assert fields["sv1b"]["Branching Logic (Show field only if...)"] == "[sv1] = 'true'"
    assert fields["e6"]["Branching Logic (Show field only if...)"] == (
        "[context_practiced_today] = 'true'"
    )


def test_ratings_and_dates_carry_their_validation(client, answered):  # noqa: F811
    _, fields = dictionary(client, answered["token"])

    s1 = fields["s1"]
    assert (s1["Field Type"], s1["Text Validation Type OR Show Slider Number"]) == (
        "text",
        "integer",
    )
    assert (s1["Text Validation Min"], s1["Text Validation Max"]) == ("0", "10")
    assert fields["local_date"]["Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert codes(fields["late"]) == ["true", "false"]


def test_the_redcap_shaped_export_imports_as_the_dictionary_says(client, answered):  # noqa: F811
    # A check-in beside the questionnaires: its items (S1, TRG...) are upper case in Savor.
    hard = {
        "client_id": str(uuid.uuid4()),
        "instrument_id": "hard_moment",
        "instrument_version": "1",
        "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "answers": [
            {"item_id": "C1", "value": 7},
            {"item_id": "TRG", "value": ["tired", "pain"]},
            {"item_id": "S1", "value": None, "declined": True},
        ],
    }
    assert client.post("/api/v1/responses", headers=answered["headers"], json=hard).is_success
    _, fields = dictionary(client, answered["token"])
    body = get(client, answered["token"], "responses", shape="redcap")
    header = next(csv.reader(io.StringIO(body.decode())))
    rows = read_csv(body)

    assert header[0] == "response_ref"  # REDCap's record ID comes first
    assert len(rows) == 3
    for column in header:
        # A checkbox choice's column is REDCap's `variable___code`, with one of its codes.
        name, _, code = column.partition("___")
        assert name in fields, column
        field = fields[name]
        values = [row[column] for row in rows if row[column] != ""]
        if field["Field Type"] == "checkbox":
            assert code in codes(field), column
            assert set(values) <= {"0", "1"}, column
            continue
        assert code == "", column
        if field["Field Type"] == "radio":
            assert set(values) <= set(codes(field)), column
        validation = field["Text Validation Type OR Show Slider Number"]
        if validation == "integer":
            low, high = field["Text Validation Min"], field["Text Validation Max"]
            for value in values:
                assert int(value) == float(value), column
                assert low == "" or int(low) <= int(value) <= int(high), column
        if validation == "date_ymd":
            for value in values:
                date.fromisoformat(value)
    # Every choice of a checkbox the export holds has its column, and nothing else does.
    for name, field in fields.items():
        if field["Field Type"] == "checkbox" and any(c.startswith(name + "___") for c in header):
            assert [c for c in header if c.startswith(name + "___")] == [
                f"{name}___{code}" for code in codes(field)
            ]
    by_form = {row["instrument_id"]: row for row in rows}
    assert by_form["phq9"]["phq9_1"] == "2"
    assert by_form["hard_moment"]["c1"] == "7"
    assert by_form["hard_moment"]["declined"] == "S1"


def test_a_multiple_choice_item_is_a_redcap_checkbox_of_0_and_1_columns(
    client,
    answered,  # noqa: F811
):
    hard = {
        "client_id": str(uuid.uuid4()),
        "instrument_id": "hard_moment",
        "instrument_version": "1",
        "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "answers": [{"item_id": "C1", "value": 7}, {"item_id": "TRG", "value": ["tired", "pain"]}],
    }
    assert client.post("/api/v1/responses", headers=answered["headers"], json=hard).is_success
    _, fields = dictionary(client, answered["token"])
    rows = read_csv(get(client, answered["token"], "responses", shape="redcap"))

    trg = fields["trg"]
    assert trg["Field Type"] == "checkbox"
    assert trg["Choices, Calculations, OR Slider Labels"].startswith(
        "1, Stress | 2, Pain | 3, Tired"
    )
    [hers] = [row for row in rows if row["instrument_id"] == "hard_moment"]
    ticked = {c: v for c, v in hers.items() if c.startswith("trg___")}
    assert ticked == {f"trg___{n}": "1" if n in (2, 3) else "0" for n in range(1, 10)}
    [phq9] = [row for row in rows if row["instrument_id"] == "phq9"]
    assert {v for c, v in phq9.items() if c.startswith("trg___")} == {""}  # not asked


def test_the_redcap_shape_is_for_responses_as_csv(client, answered):  # noqa: F811
    response = client.get(
        "/api/research/v1/studies/pilot/export/scores",
        params={"shape": "redcap"},
        headers=bearer(answered["token"]),
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "redcap_responses_only"
