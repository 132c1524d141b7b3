"""The fixture study with every kind of record, and a research token of it."""

import pytest

from tests.factories import make_research_token
from tests.research import fixture


@pytest.fixture
def study(session) -> fixture.Fixture:
    return fixture.build(session)


@pytest.fixture
def token(session, study: fixture.Fixture) -> str:
    return make_research_token(session, study.study)
