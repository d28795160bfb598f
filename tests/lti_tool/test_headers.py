"""Security headers: a strict Content-Security-Policy, who may frame which page, HSTS, no-store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.lti_helpers import INSTRUCTOR, LTI, launch

TEMPLATES = Path(__file__).resolve().parents[2] / "lti_tool" / "templates"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def _directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_a_learner_page_allows_no_inline_script_and_only_registered_platforms_to_frame_it(
    client, platform
):
    landed = launch(client, platform)
    page = client.get(landed.location)
    policy = _directives(page)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    ancestors = policy["frame-ancestors"].split()
    assert ancestors[0] == "'self'" and platform.issuer in ancestors
    assert "*" not in ancestors and "https:" not in ancestors
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in page.headers, "no HSTS over plain http"


def test_admin_pages_may_be_framed_by_no_one(client):
    page = client.get("/admin/login")
    assert _directives(page)["frame-ancestors"] == "'none'"
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/frameworks", "/", "/docs", "/lti/jwks"])
def test_public_pages_may_be_cached(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize(
    "path", ["/feedback/r/no-such-token", "/home", "/identity", "/xapi/about", "/demo"]
)
def test_pages_about_a_person_are_never_stored(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_hsts_under_https(make_app):
    app = make_app(base_url="https://leadpath.example.test")
    response = app.test_client().get("/healthz", base_url="https://leadpath.example.test")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_more_frame_ancestors_from_the_settings(make_app, platform):
    app = make_app(frame_ancestors="https://school.instructure.com https://other.example.ac.uk")
    client = app.test_client()
    page = client.get(launch(client, platform).location)
    ancestors = _directives(page)["frame-ancestors"].split()
    assert {"https://school.instructure.com", "https://other.example.ac.uk"} <= set(ancestors)


def test_the_deep_linking_response_may_post_to_the_return_url_origin_only(client, platform):
    return_url = "https://lms-return.example.test/mod/lti/contentitem_return.php?course=2"
    landed = launch(
        client,
        platform,
        roles=[INSTRUCTOR],
        **{
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            DL + "deep_linking_settings": {
                "deep_link_return_url": return_url,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
            },
        },
    )
    chooser = client.get(landed.location)
    assert _directives(chooser)["form-action"] == "'self'"
    token = landed.location.split("ls=")[1]
    sent = client.post(
        "/lti/deep-link", data={"ls": token, "assessment": "self", "framework": "lf-2011"}
    )
    assert sent.status_code == 200 and "data-autosubmit" in sent.get_data(as_text=True)
    assert _directives(sent)["form-action"] == "'self' https://lms-return.example.test"


def test_no_template_carries_inline_script_style_or_event_handler():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {template}"
        assert not re.search(r"<style|\sstyle=", text), f"inline style in {template}"
        assert not re.search(r"\son[a-z]+=", text), f"event handler attribute in {template}"
        assert "javascript:" not in text, f"javascript: URL in {template}"


def test_a_launch_page_may_be_framed_by_the_page_the_platform_returns_to(client, platform):
    presentation = {"document_target": "iframe", "return_url": "https://school.example.test/x"}
    landed = launch(client, platform, **{LTI + "launch_presentation": presentation})
    ancestors = _directives(client.get(landed.location))["frame-ancestors"].split()
    assert "https://school.example.test" in ancestors
