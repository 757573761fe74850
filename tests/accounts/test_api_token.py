"""POST /api/v1/auth/token/ and token authentication."""

import pytest

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery"


def test_good_credentials_give_a_token_that_authenticates(api_client):
    UserFactory(email="dafydd@example.org", full_name="Dafydd Jones")

    response = api_client.post(
        URL, {"email": "dafydd@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["full_name"] == "Dafydd Jones"


def test_email_is_not_case_sensitive(api_client):
    UserFactory(email="dafydd@example.org")

    response = api_client.post(
        URL, {"email": "Dafydd@Example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


def test_same_token_is_returned_until_revoked(api_client):
    UserFactory(email="dafydd@example.org")
    body = {"email": "dafydd@example.org", "password": PASSWORD}
    first = api_client.post(URL, body, format="json").json()["token"]
    assert api_client.post(URL, body, format="json").json()["token"] == first

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.delete(URL).status_code == 204

    assert api_client.get("/api/v1/me/").status_code == 401
    api_client.credentials()
    assert api_client.post(URL, body, format="json").json()["token"] != first


def test_wrong_password_is_401_with_code(api_client):
    UserFactory(email="dafydd@example.org")

    response = api_client.post(
        URL, {"email": "dafydd@example.org", "password": "nope"}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert "detail" in response.json()


def test_unknown_email_is_the_same_401(api_client):
    response = api_client.post(
        URL, {"email": "nobody@example.org", "password": "x"}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_unverified_email_is_refused(api_client):
    UserFactory(email="dafydd@example.org", verified=False)

    response = api_client.post(
        URL, {"email": "dafydd@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "email_unverified"


def test_missing_fields_are_400_with_field_errors(api_client):
    response = api_client.post(URL, {"email": "not an email"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"email", "password"}
    assert body["detail"]


def test_endpoint_is_throttled(api_client, settings):
    UserFactory(email="dafydd@example.org")
    statuses = [
        api_client.post(
            URL, {"email": "dafydd@example.org", "password": "nope"}, format="json"
        ).status_code
        for _ in range(12)
    ]

    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    throttled = api_client.post(
        URL, {"email": "dafydd@example.org", "password": PASSWORD}, format="json"
    )
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert throttled.json()["retry_after"] > 0
    assert "Retry-After" in throttled.headers


def test_me_needs_authentication(api_client):
    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/auth/token/" in schema.json()["paths"]

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/api/schema/" in docs.content
    # Served from our own static files: no CDN, no outside fonts.
    assert b"/static/drf_spectacular_sidecar/" in docs.content
    assert b"https://" not in docs.content
