"""The deep-linking picker in chromium: what it offers, and the activity a choice makes.

An instructor's deep-linking launch opens the picker; the Healthcare Leadership Model comes
first and is chosen, the Leadership Framework (2011) says it is superseded, the curricula are
offered, and a framework's domains appear when it is chosen. The signed response the picker
posts back to the platform is caught in the browser and read: its custom parameters carry the
framework, domains, career phase and grade mode chosen.
"""

from __future__ import annotations

import jwt
import pytest

from tests.support.browser import lti_launch
from tests.support.lti_helpers import INSTRUCTOR, LTI, make_platform

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


@pytest.fixture
def picker(live_server, app, unique):
    """Return the picker's address in a fresh deep-linking launch, and the return URL."""
    db = app.extensions["leadpath.db"]
    platform = make_platform(f"picker-{unique}").register(db)
    returned = live_server + "/demo/deep-link-return"
    token = lti_launch(
        live_server,
        platform,
        "designer",
        [INSTRUCTOR],
        {},
        f"dl-{unique}",
        **{
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            DL + "deep_linking_settings": {
                "deep_link_return_url": returned,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
            },
        },
    )
    return f"{live_server}/lti/deep-link?ls={token}", returned


def _domain(framework_id: str, domain_id: str) -> str:
    return f'input[name="domains:{framework_id}"][value="{domain_id}"]'


def _open_domains(page, framework_id: str) -> None:
    page.locator(f"[data-domains-of='{framework_id}'] summary").click()


def _choose_and_catch(page, returned: str) -> dict:
    """Press Add to the course; return the custom parameters of the link posted back."""
    caught = {}

    def keep(route):
        caught["body"] = route.request.post_data_json or route.request.post_data
        route.fulfill(status=200, content_type="text/html", body="<p>received</p>")

    page.route(returned, keep)
    page.get_by_role("button", name="Add to the course").click()
    page.get_by_text("received").wait_for()
    body = caught["body"]
    token = body["JWT"] if isinstance(body, dict) else body.split("JWT=", 1)[1].split("&")[0]
    message = jwt.decode(token, options={"verify_signature": False})
    [item] = message[DL + "content_items"]
    return item


def test_the_picker_offers_hlm_first_lf_as_superseded_and_the_curricula(page, picker):
    url, _ = picker
    page.goto(url)
    radios = page.locator("input[name=framework]")
    values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
    assert values == [
        "hlm-2013",
        "lf-2011",
        "mlcf-2010",
        "clcf-2011",
        "ukfp-2021",
        "gmc-gpc-2017",
        "gmc-ofg-2018",
    ]
    assert page.locator("#framework").is_checked()  # the HLM, first and chosen
    lf = page.get_by_label("NHS Leadership Framework (2011.2): superseded")
    assert lf.count() == 1
    hint = page.locator(f"#{lf.get_attribute('id')}-item-hint").inner_text()
    assert "Superseded by the Healthcare Leadership Model (2013)." in hint
    assert page.get_by_text("or a curriculum").is_visible()
    assert "not endorsed by the NHS Leadership Academy" in page.content()
    # each framework's domains are in a closed list of their own; LF's senior ones say so
    vision = page.locator(_domain("lf-2011", "creating-the-vision"))
    assert not vision.is_visible()
    _open_domains(page, "lf-2011")
    assert vision.is_visible()
    vision_hint = page.locator(f"#{vision.get_attribute('id')}-item-hint").inner_text()
    assert "left out unless the career phase expects it" in vision_hint
    grades = page.locator("input[name=grade]")
    assert [grades.nth(i).get_attribute("value") for i in range(grades.count())] == [
        "phase",
        "stage",
        "completion",
    ]
    assert page.get_by_label("Against the career phase").is_checked()
    phases = page.locator("#career_phase option")
    labels = [phases.nth(i).inner_text() for i in range(phases.count())]
    assert "Medicine: Foundation year 1 (F1)" in labels
    assert any(label.endswith(": Preceptorship (newly registered)") for label in labels)
    assert any(label.endswith("Continuing professional development (CPD)") for label in labels)


def test_the_choices_become_the_links_custom_parameters(page, picker):
    url, returned = picker
    page.goto(url)
    page.get_by_label("Activity title").fill("F2 leadership check")
    page.get_by_label("UK Foundation Programme Curriculum 2021", exact=False).check()
    page.get_by_label("Learners' career phase").select_option("f2")
    page.get_by_label("By stage reached").check()
    item = _choose_and_catch(page, returned)
    assert item["title"] == "F2 leadership check"
    assert item["custom"] == {
        "assessment": "self",
        "framework": "ukfp-2021",
        "career_phase": "f2",
        "grade": "stage",
    }


def test_ticking_lf_senior_domains_puts_them_in_the_activity(page, picker):
    url, returned = picker
    page.goto(url)
    page.get_by_label("NHS Leadership Framework (2011.2): superseded").check()
    _open_domains(page, "lf-2011")
    page.locator(_domain("lf-2011", "setting-direction")).check()
    page.locator(_domain("lf-2011", "creating-the-vision")).check()
    page.get_by_label("Learners' career phase").select_option("clinical-lead")
    item = _choose_and_catch(page, returned)
    assert item["custom"] == {
        "assessment": "self",
        "framework": "lf-2011",
        "domains": "setting-direction,creating-the-vision",
        "career_phase": "clinical-lead",
        "grade": "phase",
    }
