"""The instructor's course view: the platform's roster (NRPS) merged with attempts.

The roster comes from a loopback stand-in for the platform's NRPS service
(tests/support/roster_platform.py): `lti1p3platform` builds the NRPS launch claim only.
"""

import csv
import html
import io
import re

from sqlalchemy import update

from lti_tool.models import Platform
from tests.support.assess_helpers import attempt_id_of, complete, fill_domain, launch_learner, start
from tests.support.lti_helpers import INSTRUCTOR, LTI, launch
from tests.support.roster_platform import RosterPlatform, member

DOMAIN = "working-with-others"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _roster(client, db, platform, members, **kwargs) -> RosterPlatform:
    jwks = client.get("/lti/jwks").get_json()
    roster = RosterPlatform(jwks, platform.client_id, members, **kwargs)
    with db.transaction() as session:
        session.execute(
            update(Platform)
            .where(Platform.issuer == platform.issuer)
            .values(auth_token_url=roster.token_url)
        )
    return roster


def _instructor(client, platform, claim=None, sub="tutor"):
    extra = {NRPS: claim} if claim else {}
    landed = launch(client, platform, sub=sub, roles=[INSTRUCTOR], **extra)
    return landed.location.split("ls=")[1]


def _completed(client, platform, sub, value, phase="f1", **claims):
    token = launch_learner(
        client, platform, sub, {"domains": DOMAIN, "career_phase": phase}, **claims
    )
    attempt_id = attempt_id_of(start(client, token).location)
    assert fill_domain(client, token, attempt_id, DOMAIN, value).status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    return attempt_id


def _rows(page: str) -> dict[str, str]:
    found = re.findall(r'<tr [^>]*data-learner="([^"]+)" data-status="([a-z_]+)"', page)
    return dict(found)


def test_roster_pages_are_followed_and_merged_with_attempts(client, db, platform):
    members = [
        member("ann", "Ann Able"),
        member("bob", "Bob Baker"),
        member("cat", "Cat Cole"),
        member("dan", "Dan Dole"),
        member("eve", "Eve Eld", status="Inactive"),  # left the course: not listed
        member("tutor", "Tia Tutor", role="Instructor"),  # not a learner: filtered by role
    ]
    with _roster(client, db, platform, members, page_size=2) as roster:
        _completed(client, platform, "ann", 3, name="Ann Able")
        token = launch_learner(client, platform, "bob", {"domains": DOMAIN}, name="Bob Baker")
        start(client, token)  # in progress
        tutor = _instructor(client, platform, roster.claim())
        page = _text(client.get(f"/course?ls={tutor}"))

        # Every page was asked for; each next URL came back exactly as the platform gave it.
        assert len(roster.requests) == 3 and not roster.refusals
        assert roster.requests[0].endswith(
            "role=" + "http%3A%2F%2Fpurl.imsglobal.org%2Fvocab%2Flis%2Fv2%2Fmembership%23Learner"
        )
        for issued, asked in zip(roster.issued_next, roster.requests[1:], strict=True):
            assert issued == roster.base + asked
        assert 'data-source="nrps"' in page and "4 learners" in page
        rows = _rows(page)
        statuses = sorted(rows.values())
        assert statuses == ["completed", "in_progress", "not_started", "not_started"]
        assert "Cat Cole" in page and "Dan Dole" in page and "Eve Eld" not in page
        assert "Tia Tutor" not in page
        assert re.search(r'data-status="not_started">Not started: <strong>2<', page)

        # A second visit within the maximum age reads the stored roster.
        client.get(f"/course?ls={tutor}")
        assert len(roster.requests) == 3
        # Asked to refresh, the platform is asked again.
        refreshed = client.post("/course/roster/refresh", data={"ls": tutor})
        assert refreshed.status_code == 303 and "refreshed=yes" in refreshed.location
        assert len(roster.requests) == 6


def test_without_nrps_the_view_lists_launched_learners_and_says_so(client, platform):
    _completed(client, platform, "solo", 3, name="Solo Person")
    tutor = _instructor(client, platform)
    page = _text(client.get(f"/course?ls={tutor}"))
    assert 'data-source="launches"' in page
    assert "did not offer its course roster" in page
    assert list(_rows(page).values()) == ["completed"]


def test_a_failing_roster_keeps_the_last_copy_and_says_why(client, db, platform, make_app):
    app = make_app(roster_max_age_minutes=0)
    other = app.test_client()
    with _roster(client, db, platform, [member("ann", "Ann Able")]) as roster:
        tutor = _instructor(other, platform, roster.claim())
        assert "Ann Able" in _text(other.get(f"/course?ls={tutor}"))
        roster.fail_with = 503
        page = _text(
            other.post("/course/roster/refresh", data={"ls": tutor}, follow_redirects=True)
        )
        assert "Ann Able" in page and "HTTP 503" in page and "last copy" in page


def test_heatmap_below_expected_drill_down_and_csv(client, platform):
    at_stage_1 = lambda stage: 3 if stage <= 1 else 1  # noqa: E731
    low = _completed(client, platform, "low", at_stage_1, name="=HYPERLINK(1)", phase="f2")
    _completed(client, platform, "high", 4, name="High Flyer", phase="f1")
    tutor = _instructor(client, platform)
    page = _text(client.get(f"/course?ls={tutor}"))
    heat = re.search(r'<tr [^>]*data-domain="working-with-others">(.*?)</tr>', page, re.S).group(1)
    cells = dict(re.findall(r'data-stage="(\d)">(?:<span[^>]*>[^<]*</span>)?(\d+)<', heat))
    assert cells == {"0": "0", "1": "1", "2": "0", "3": "0", "4": "1"}
    below = re.search(r'<ul class="lp-below">(.*?)</ul>', page, re.S).group(1)
    assert "=HYPERLINK(1)" in below and "High Flyer" not in below

    drill = re.search(r'href="(/course/learners/\d+\?ls=[^"]+)">=HYPERLINK', page).group(1)
    learner_page = _text(client.get(drill))
    assert f"/course/attempts/{low}/results" in learner_page and "Below expected" in learner_page

    exported = client.get(f"/course/export.csv?ls={tutor}")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0][:3] == ["Learner", "On the platform's roster", "Status"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["'=HYPERLINK(1)"][2] == "Completed"  # escaped for spreadsheets
    assert by_name["'=HYPERLINK(1)"][6] == "Working with Others"
    assert by_name["High Flyer"][6] == ""


def test_learners_and_other_courses_cannot_see_the_course_view(client, platform):
    _completed(client, platform, "nosy", 2)
    learner = launch_learner(client, platform, "nosy2")
    assert client.get(f"/course/export.csv?ls={learner}").status_code == 403
    assert client.post("/course/roster/refresh", data={"ls": learner}).status_code == 403
    tutor = _instructor(client, platform)
    page = _text(client.get(f"/course?ls={tutor}"))
    user_id = re.search(r"/course/learners/(\d+)", page).group(1)
    elsewhere = launch(
        client,
        platform,
        sub="tutor2",
        roles=[INSTRUCTOR],
        **{LTI + "context": {"id": "other-course", "title": "Other"}},
    ).location.split("ls=")[1]
    assert client.get(f"/course/learners/{user_id}?ls={elsewhere}").status_code == 404
    assert client.get(f"/course/learners/{user_id}?ls={learner}").status_code == 403


def test_learners_are_chosen_by_status_and_paged(client, db, platform, monkeypatch):
    monkeypatch.setattr("lti_tool.pages.COURSE_PAGE_SIZE", 2)
    members = [member(f"m{n}", f"Member {n}") for n in range(5)]
    with _roster(client, db, platform, members) as roster:
        _completed(client, platform, "m0", 3, name="Member 0")
        tutor = _instructor(client, platform, roster.claim())
        _check_status_choice_and_pages(client, tutor)


def _check_status_choice_and_pages(client, tutor):
    first = _text(client.get(f"/course?ls={tutor}"))
    assert len(_rows(first)) == 2 and "Learners 1 to 2 of 5." in first
    assert re.search(r'data-status="not_started">Not started: <strong>4<', first)
    following = re.search(r'href="(/course\?[^"]*page=2[^"]*)"', first).group(1)
    second = _text(client.get(following))
    assert "Learners 3 to 4 of 5." in second
    assert not set(_rows(first)) & set(_rows(second)), "each learner on one page only"
    last = _text(client.get(f"/course?ls={tutor}&page=99"))
    assert "Learners 5 to 5 of 5." in last and len(_rows(last)) == 1
    not_started = _text(client.get(f"/course?ls={tutor}&status=not_started"))
    assert set(_rows(not_started).values()) == {"not_started"}
    assert "Learners 1 to 2 of 4 not started." in not_started
    done = _text(client.get(f"/course?ls={tutor}&status=completed"))
    assert _rows(done) == {next(iter(_rows(done))): "completed"} and "Member 0" in done
    validated = _text(client.get(f"/course?ls={tutor}&status=validated"))
    assert _rows(validated) == {} and "No learner is validated." in validated
    # Counts, the heatmap and the CSV still cover every learner.
    assert re.search(r'data-status="completed">[^<]*<strong>1<', validated)
    csv_text = client.get(f"/course/export.csv?ls={tutor}").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(csv_text)))) == 5
