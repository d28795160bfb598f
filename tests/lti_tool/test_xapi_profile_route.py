"""The xAPI Profile is served at its IRI and every IRI it coins resolves, without LRS auth."""

import pytest

from xapi.profile import build_profile, version_iri

BASE = "http://localhost"
PROFILE = build_profile(BASE)


def _path(iri: str) -> str:
    return iri[len(BASE) :]


def _coined() -> list[dict]:
    parts = PROFILE["concepts"] + PROFILE["templates"] + PROFILE["patterns"]
    return [item for item in parts if item["id"].startswith(BASE + "/")]


def test_profile_is_served_as_json_ld_and_equals_the_built_document(client):
    response = client.get("/xapi/profile")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.get_json(force=True) == PROFILE


def test_profile_is_plain_json_when_asked_for(client):
    response = client.get("/xapi/profile", headers={"Accept": "application/json"})
    assert response.mimetype == "application/json"
    assert response.get_json() == PROFILE


def test_version_iri_answers_the_same_document(client):
    response = client.get(_path(version_iri(BASE)))
    assert response.status_code == 200
    assert response.get_json(force=True) == PROFILE


def test_profile_needs_no_lrs_credentials_and_no_xapi_version_header(client):
    response = client.get("/xapi/profile")
    assert "WWW-Authenticate" not in response.headers
    assert response.status_code == 200


@pytest.mark.parametrize("item", _coined(), ids=lambda item: item["id"][len(BASE) :])
def test_every_coined_iri_resolves_to_its_definition(client, item):
    response = client.get(_path(item["id"]), headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    assert body.pop("@context") == PROFILE["@context"]
    assert body == item


def test_concept_iri_opens_a_page_in_a_browser(client):
    verb = next(c for c in PROFILE["concepts"] if c["id"].endswith("/verbs/linked-identity"))
    response = client.get(_path(verb["id"]), headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "<h1>linked identity</h1>" in text
    assert verb["definition"]["en"] in text


def test_unknown_profile_iri_is_a_404(client):
    response = client.get("/xapi/profile/verbs/danced")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_iri"


def test_lrs_routes_still_require_credentials(client):
    response = client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401
    assert client.get("/xapi/about").status_code == 200
