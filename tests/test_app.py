"""The application shell: health, the published OpenAPI contract, error shapes."""

from tests.factories import auth_headers, make_user

CONTRACT_PATHS = {
    "/api/v1/auth/token", "/api/v1/auth/revoke", "/api/v1/users", "/api/v1/users/me",
    "/api/v1/regions", "/api/v1/regions/{code}", "/api/v1/villages", "/api/v1/villages/{code}",
    "/api/v1/units", "/api/v1/units/{unit_id}", "/api/v1/pairings", "/api/v1/pairings/{pairing_id}",
    "/api/v1/pairings/{pairing_id}/plan", "/api/v1/pairings/{pairing_id}/plan/submit",
    "/api/v1/pairings/{pairing_id}/plan/confirm", "/api/v1/pairings/{pairing_id}/plan/return",
    "/api/v1/pairings/{pairing_id}/reports", "/api/v1/pairings/{pairing_id}/reports/{week}",
}


def test_healthz_answers_when_the_database_does(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_openapi_publishes_every_contract_path(client):
    paths = set(client.get("/openapi.json").json()["paths"])
    assert CONTRACT_PATHS <= paths


def test_list_limits_are_checked(client, session, settings):
    headers = auth_headers(session, settings, make_user(session))
    for bad in ("0", "1001", "abc"):
        answer = client.get(f"/api/v1/units?limit={bad}", headers=headers)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["query", "limit"]
    assert client.get("/api/v1/units?offset=-1", headers=headers).status_code == 422
    assert client.get("/api/v1/units?limit=1000", headers=headers).json() == {"items": [], "total": 0}


def test_malformed_json_is_a_422_not_a_500(client, session, settings):
    headers = auth_headers(session, settings, make_user(session))
    answer = client.post("/api/v1/units", content=b"{not json", headers={
        **headers, "Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["msg"]
