"""Each role against each route of the research API, signed in with her session: the status
she gets. The table must name every research route the app has, and every role."""

import pytest
from sqlmodel import Session

from savor.clock import utcnow
from savor.research.staff import personal_tokens
from savor.research.staff.roles import StaffRole
from savor.studies.models import Study
from tests.factories import make_study
from tests.research.staff.helpers import BASE, PASSWORD, Person, add_staff, sign_in
from tests.research.test_route_access import ALERT, PROTOCOL

INV, COORD, DM, ADMIN = (
    StaffRole.INVESTIGATOR,
    StaffRole.COORDINATOR,
    StaffRole.DATA_MANAGER,
    StaffRole.ADMIN,
)
ROLES = [INV, COORD, DM, ADMIN]
WEBHOOK = {"url": "https://alerts.example.org/hook"}
INVITE = {"email": "new@site.example.org", "display_name": "New", "role": "coordinator"}
# {colleague} and {token} are filled in per test: a teammate (a data manager) and her token.
SIGN_IN = "sign in"

# (method, path as routed, path to call, body): statuses for investigator, coordinator,
# data manager, admin.
TABLE: list[tuple[str, str, str, object, tuple[int, int, int, int]]] = [
    ("GET", "/studies", "/studies", None, (200, 200, 200, 200)),
    ("GET", "/studies/{slug}", "/studies/pilot", None, (200, 200, 200, 200)),
    ("PUT", "/studies/{slug}/protocol", "/studies/pilot/protocol", PROTOCOL, (403, 403, 403, 200)),
    (
        "POST",
        "/studies/{slug}/enrollment-codes",
        "/studies/pilot/enrollment-codes",
        {"count": 1},
        (403, 201, 403, 403),
    ),
    (
        "GET",
        "/studies/{slug}/participants",
        "/studies/pilot/participants",
        None,
        (200, 200, 403, 403),
    ),
    (
        "DELETE",
        "/studies/{slug}/participants/{pseudonym}",
        "/studies/pilot/participants/PAAAAAAAAAA",
        None,
        (403, 404, 403, 403),  # allowed to the coordinator; nobody by that name: 404
    ),
    ("GET", "/studies/{slug}/compliance", "/studies/pilot/compliance", None, (200, 200, 403, 403)),
    ("GET", "/studies/{slug}/audit", "/studies/pilot/audit", None, (200, 403, 403, 200)),
    ("GET", "/studies/{slug}/codebook", "/studies/pilot/codebook", None, (200, 200, 200, 200)),
    ("GET", "/studies/{slug}/protocols", "/studies/pilot/protocols", None, (200, 200, 200, 200)),
    ("GET", "/studies/{slug}/catalog", "/studies/pilot/catalog", None, (200, 200, 200, 200)),
    (
        "GET",
        "/studies/{slug}/export/{dataset}",
        "/studies/pilot/export/responses",
        None,
        (200, 403, 200, 403),
    ),
    ("GET", "/studies/{slug}/alerts", "/studies/pilot/alerts", None, (403, 200, 403, 403)),
    (
        "POST",
        "/studies/{slug}/alerts/{alert_id}/acknowledge",
        f"/studies/pilot/alerts/{ALERT}/acknowledge",
        None,
        (403, 404, 403, 403),
    ),
    ("PUT", "/studies/{slug}/webhook", "/studies/pilot/webhook", WEBHOOK, (403, 200, 403, 403)),
    ("GET", "/studies/{slug}/webhook", "/studies/pilot/webhook", None, (403, 404, 403, 403)),
    ("DELETE", "/studies/{slug}/webhook", "/studies/pilot/webhook", None, (403, 204, 403, 403)),
    ("GET", "/studies/{slug}/staff", "/studies/pilot/staff", None, (403, 403, 403, 200)),
    ("POST", "/studies/{slug}/staff", "/studies/pilot/staff", INVITE, (403, 403, 403, 201)),
    (
        "PUT",
        "/studies/{slug}/staff/{staff_id}/role",
        "/studies/pilot/staff/{colleague}/role",
        {"role": "investigator"},
        (403, 403, 403, 200),
    ),
    (
        "DELETE",
        "/studies/{slug}/staff/{staff_id}",
        "/studies/pilot/staff/{colleague}",
        None,
        (403, 403, 403, 204),
    ),
    (
        "POST",
        "/studies/{slug}/staff/{staff_id}/lock",
        "/studies/pilot/staff/{colleague}/lock",
        None,
        (403, 403, 403, 200),
    ),
    (
        "POST",
        "/studies/{slug}/staff/{staff_id}/unlock",
        "/studies/pilot/staff/{colleague}/unlock",
        None,
        (403, 403, 403, 200),
    ),
    (
        "POST",
        "/studies/{slug}/staff/{staff_id}/setup-link",
        "/studies/pilot/staff/{colleague}/setup-link",
        None,
        (403, 403, 403, 201),
    ),
    ("POST", "/studies/{slug}/tokens", "/studies/pilot/tokens", {"label": "r"}, (201,) * 4),
    ("GET", "/studies/{slug}/tokens", "/studies/pilot/tokens", None, (200,) * 4),
    (
        "DELETE",
        "/studies/{slug}/tokens/{token_id}",
        "/studies/pilot/tokens/{token}",
        None,
        (403, 403, 403, 204),  # the colleague's token: only an admin revokes another's
    ),
    ("GET", "/studies/{slug}/today", "/studies/pilot/today", None, (200, 200, 403, 403)),
    ("GET", "/studies/{slug}/roster", "/studies/pilot/roster", None, (200, 200, 403, 403)),
    (
        "GET",
        "/studies/{slug}/participants/{pseudonym}",
        "/studies/pilot/participants/PAAAAAAAAAA",
        None,
        (404, 404, 403, 403),  # allowed to read; nobody by that name: 404
    ),
    (
        "GET",
        "/studies/{slug}/compliance/trends",
        "/studies/pilot/compliance/trends",
        None,
        (200, 200, 403, 403),
    ),
    ("GET", "/studies/{slug}/protocol", "/studies/pilot/protocol", None, (200,) * 4),
    (
        "POST",
        "/studies/{slug}/protocol/check",
        "/studies/pilot/protocol/check",
        PROTOCOL,
        (403, 403, 403, 200),
    ),
    (
        "GET",
        "/studies/{slug}/exports/last",
        "/studies/pilot/exports/last",
        None,
        (200, 403, 200, 403),
    ),
    ("POST", "/session", "/session", SIGN_IN, (200,) * 4),
    ("GET", "/session", "/session", None, (200,) * 4),
    ("DELETE", "/session", "/session", None, (204,) * 4),
    ("DELETE", "/sessions", "/sessions", None, (204,) * 4),
    ("POST", "/staff/setup/offer", "/staff/setup/offer", {"token": "svl_x"}, (404,) * 4),
    (
        "POST",
        "/staff/setup",
        "/staff/setup",
        {"token": "svl_x", "password": PASSWORD},
        (404,) * 4,
    ),
]
CASES = [
    (method, routed, path, body, role, statuses[ROLES.index(role)])
    for method, routed, path, body, statuses in TABLE
    for role in ROLES
]
IDS = [f"{role.value} {method} {routed}" for method, routed, _, _, role, _ in CASES]


def test_the_table_covers_every_research_route(client):
    routed = {
        (method.upper(), path.removeprefix(BASE))
        for path, operations in client.app.openapi()["paths"].items()
        if path.startswith(BASE)
        for method in operations
    }
    assert routed == {(method, path) for method, path, *_ in TABLE}


def _colleague_and_token(session: Session) -> tuple[Study, Person, str]:
    study = make_study(session)
    colleague = add_staff(session, study, DM, "dm@site.example.org")
    row, _ = personal_tokens.create(
        session=session,
        account=colleague.account,
        study=study,
        role=DM.value,
        label="dm-script",
        scopes=None,
        days=30,
        now=utcnow(),
    )
    session.commit()
    return study, colleague, str(row.id)


@pytest.mark.parametrize(("method", "routed", "path", "body", "role", "status"), CASES, ids=IDS)
def test_each_role_gets_the_status_of_the_table(
    client, session, method, routed, path, body, role, status
):
    study, colleague, token_id = _colleague_and_token(session)
    person = add_staff(session, study, role)
    headers = sign_in(client, person)
    path = path.format(colleague=colleague.account.id, token=token_id)
    kwargs: dict = {"headers": headers}
    if body == SIGN_IN:
        kwargs["json"] = {"email": person.email, "password": PASSWORD, "totp_code": person.code()}
    elif isinstance(body, str):
        kwargs["content"] = body.encode()
        kwargs["headers"] = headers | {"Content-Type": "application/yaml"}
    elif body is not None:
        kwargs["json"] = body
    response = client.request(method, BASE + path, **kwargs)
    assert response.status_code == status, response.text
