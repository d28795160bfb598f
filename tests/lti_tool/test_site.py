"""Public pages and the layout every page shares: NHS.UK frontend served by leadpath itself."""

import re

from tests.support.lti_helpers import launch, make_platform


def test_home_page_says_what_leadpath_is_and_leads_on(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Leadership development records for health professionals</h1>" in page
    for target in ('href="/demo"', 'href="/admin/lrs"', 'href="/docs"', 'href="/accessibility"'):
        assert target in page


def test_home_page_offers_the_demo_only_when_it_is_on(make_app):
    page = make_app(demo=False).test_client().get("/").get_data(as_text=True)
    assert 'href="/demo"' not in page and 'href="/docs"' in page


def test_documentation_gives_this_installations_addresses(client):
    page = client.get("/docs").get_data(as_text=True)
    for path in ("/lti/register", "/lti/launch", "/lti/login", "/lti/jwks", "/xapi/"):
        assert f"<code>http://localhost{path}</code>" in page


def test_accessibility_statement_names_the_standard_and_how_it_is_tested(client):
    page = client.get("/accessibility").get_data(as_text=True)
    assert "WCAG" in page and "2.2" in page and "320 pixels" in page
    assert "overlays" in page


def test_design_system_assets_are_served_by_leadpath_without_other_sites(client):
    def fetch(path):
        with client.get(path) as response:
            assert response.status_code == 200, path
            return response.data

    css = fetch("/static/nhsuk/nhsuk-frontend.min.css")
    assert b".nhsuk-header" in css
    assert b"https://" not in css and b"Frutiger" not in css
    for icon in set(re.findall(rb'url\("(images/[^"]+)"\)', css)):
        assert fetch("/static/nhsuk/" + icon.decode()).startswith(b"<svg")
    assert b"initAll" in fetch("/static/nhsuk/nhsuk-frontend.min.js")
    assert b'from "./nhsuk/nhsuk-frontend.min.js"' in fetch("/static/leadpath.js")


def test_pages_load_only_leadpaths_own_assets_and_no_inline_script_or_style(client):
    page = client.get("/").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:css|js|svg))"', page)
    assert sources and all(s.startswith("/static/") for s in sources)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert "nhsuk-header__logo" not in page  # the NHS logo is for NHS organisations


def test_a_launch_shows_leadpath_and_the_institution_from_the_registration(client, db, unique):
    from sqlalchemy import update

    from lti_tool.models import Platform

    platform = make_platform(unique).register(db)
    with db.transaction() as session:
        session.execute(
            update(Platform)
            .where(Platform.issuer == platform.issuer)
            .values(name="University of Northbridge")
        )
    landed = launch(client, platform, sub="site-header")
    page = client.get(landed.location).get_data(as_text=True)
    assert '<span class="lp-header__institution">University of Northbridge</span>' in page
    assert "provided to you by University of Northbridge" in page
    token = landed.location.split("ls=")[1]
    assert f'href="/accessibility?ls={token}"' in page
    statement = client.get(f"/accessibility?ls={token}").get_data(as_text=True)
    assert "University of Northbridge" in statement and f"/home?ls={token}" in statement
