"""The one error shape: a 422 names every field problem at once."""

from savor.errors import please_check


def test_please_check_names_every_field_problem_in_one_message():
    fields = [
        {"field": "submitted_at", "message": "is in the future; check the clock"},
        {"field": "answers.C1", "message": "is above 10"},
    ]

    error = please_check("invalid_answers", fields)

    assert (error.status_code, error.code, error.fields) == (422, "invalid_answers", fields)
    assert error.message == (
        "Please check: submitted_at: is in the future; check the clock; answers.C1: is above 10"
    )
