"""The OpenAPI document: both bearer schemes, the staff session, each research route's scope,
and examples."""

from tests.research.test_route_access import BASE, ROUTES


def test_both_apis_have_their_own_bearer_scheme(client):
    schemes = client.app.openapi()["components"]["securitySchemes"]
    assert schemes["participant"]["scheme"] == "bearer"
    assert schemes["research"]["scheme"] == "bearer"
    assert "svp_" in schemes["participant"]["description"]
    assert "svr_" in schemes["research"]["description"]
    me = client.app.openapi()["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"participant": []}]


def test_every_research_route_names_its_scope_and_takes_a_research_token(client):
    paths = client.app.openapi()["paths"]
    for method, routed, _, scope, _ in ROUTES:
        operation = paths[BASE + routed][method.lower()]
        assert f"(scope {scope.value})" in operation["description"], routed
        # Either a research token or a person's session cookie.
        assert operation["security"] == [{"research": []}, {"staffSession": []}], routed


def test_export_documents_its_formats_and_the_next_cursor(client):
    export = client.app.openapi()["paths"][BASE + "/studies/{slug}/export/{dataset}"]["get"]
    ok = export["responses"]["200"]
    assert set(ok["content"]) >= {"text/csv", "application/x-ndjson", "application/fhir+json"}
    assert "Savor-Next-Since" in ok["headers"]


def test_protocol_takes_yaml_and_codes_have_an_example(client):
    paths = client.app.openapi()["paths"]
    protocol = paths[BASE + "/studies/{slug}/protocol"]["put"]
    assert "application/yaml" in protocol["requestBody"]["content"]
    schema = client.app.openapi()["components"]["schemas"]["EnrollmentCodesCreate"]
    assert schema["properties"]["count"]["examples"] == [20]


def test_staff_routes_take_the_session_cookie(client):
    schemes = client.app.openapi()["components"]["securitySchemes"]
    assert schemes["staffSession"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "savor_session",
        "description": schemes["staffSession"]["description"],
    }
    staff = client.app.openapi()["paths"][BASE + "/studies/{slug}/staff"]["get"]
    assert staff["security"] == [{"staffSession": []}]


def test_receipts_take_one_event_or_a_list_of_them(client):
    schemas = client.app.openapi()["components"]["schemas"]
    receipt = schemas["ReceiptIn"]
    assert {"event", "at", "events"} <= set(receipt["properties"])
    assert [set(example) for example in receipt["examples"]] == [{"event", "at"}, {"events"}]
    assert set(schemas["ReceiptEventIn"]["properties"]) == {"event", "at", "if_open"}
