"""The programme lead's view, access to it, and the trainees' consent to share their history."""

import csv
import html
import io
import re

from sqlalchemy import select

from lti_tool.programmes import service
from lti_tool.programmes.models import ProgrammeLead
from tests.lti_tool.programmes.conftest import completed, lead_token
from tests.support.identity_helpers import get_code, queued_with_verb, user_of
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, error_code, launch, make_platform

CONSENTED = "http://localhost/xapi/profile/verbs/consented"
WITHDREW = "http://localhost/xapi/profile/verbs/withdrew-consent"


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return html.unescape(response.get_data(as_text=True))


def _figure(page, name) -> int:
    return int(re.search(rf'data-figure="{name}">[^<]*<strong>(\d+)<', page).group(1))


def _trainee_page(client, lead, world, learner_id):
    return _text(client.get(f"/programme/trainees/{learner_id}?ls={lead}&programme={world.slug}"))


def test_a_launch_with_the_programme_parameter_grants_the_lead_and_lands_on_the_view(
    client, db, world
):
    lead, location = lead_token(client, world.deanery, "tpd-1", world.slug)
    assert location.startswith("/programme?")
    page = _text(client.get(f"/programme?ls={lead}"))
    assert "<h1>North Foundation School</h1>" in page
    assert _figure(page, "trainees") == 1
    assert "Asha Patel" in page and "Above expected" in page
    assert _figure(page, "validations_outstanding") == 1
    with db.sessions() as session:
        grant = session.scalar(select(ProgrammeLead).where(ProgrammeLead.sub == "tpd-1"))
    assert grant.granted_via == "launch"


def test_no_grant_for_learners_or_from_a_platform_the_programme_does_not_trust(client, db, world):
    learner_launch = launch(
        client,
        world.deanery,
        sub="fy1-2",
        roles=[LEARNER],
        **{"https://purl.imsglobal.org/spec/lti/claim/custom": {"programme": world.slug}},
    )
    assert "/programme" not in learner_launch.location
    token, location = lead_token(client, world.school, "dean-at-school", world.slug)
    assert not location.startswith("/programme")
    refused = client.get(f"/programme?ls={token}")
    assert refused.status_code == 403 and error_code(refused) == "not_programme_lead"
    with db.sessions() as session:
        leads = session.scalars(select(ProgrammeLead.sub)).all()
    assert "fy1-2" not in leads and "dean-at-school" not in leads


def test_history_outside_the_scope_shows_only_with_consent_given_and_withdrawn(client, db, world):
    lead, _ = lead_token(client, world.deanery, "tpd-2", world.slug)
    learner_id = user_of(db, world.deanery, "fy1-1").learner_id
    page = _trainee_page(client, lead, world, learner_id)
    assert f'data-attempt="{world.deanery_attempt}"' in page
    assert f'data-attempt="{world.school_attempt}"' not in page
    assert 'data-shared="no"' in page

    identity = _text(client.get(f"/identity?ls={world.trainee}"))
    assert 'data-shared="no"' in identity
    given = client.post("/identity/sharing", data={"ls": world.trainee, "share": "yes"})
    assert given.status_code == 303 and "done=shared" in given.location
    page = _trainee_page(client, lead, world, learner_id)
    assert f'data-attempt="{world.school_attempt}" data-scope="shared"' in page
    assert "Year 5 leadership" in page
    [statement] = queued_with_verb(db, CONSENTED, learner_id)
    assert statement["object"]["id"] == "http://localhost/consents/programme-history"
    assert "share" not in statement.get("result", {})

    withdrawn = client.post("/identity/sharing", data={"ls": world.trainee, "share": "no"})
    assert "done=unshared" in withdrawn.location
    page = _trainee_page(client, lead, world, learner_id)
    assert f'data-attempt="{world.school_attempt}"' not in page
    assert len(queued_with_verb(db, WITHDREW, learner_id)) == 1
    # Asking again for what holds already changes nothing and records nothing.
    again = client.post("/identity/sharing", data={"ls": world.trainee, "share": "no"})
    assert "done=unchanged" in again.location
    assert len(queued_with_verb(db, WITHDREW, learner_id)) == 1


def test_consent_can_be_given_while_linking(client, db, world):
    other = completed(client, world.school, "stu-9", 2, "undergraduate", name="Ben Ode")[0]
    trainee = completed(client, world.deanery, "fy1-9", 2, "f1", name="Ben Ode")[0]
    response = client.post(
        "/identity/link",
        data={"ls": trainee, "code": get_code(client, other), "share_history": "yes"},
    )
    assert response.status_code == 303
    learner_id = user_of(db, world.deanery, "fy1-9").learner_id
    assert len(queued_with_verb(db, CONSENTED, learner_id)) == 1
    lead, _ = lead_token(client, world.deanery, "tpd-3", world.slug)
    page = _trainee_page(client, lead, world, learner_id)
    assert 'data-scope="shared"' in page


def test_a_lead_sees_only_their_programme_and_its_trainees(client, db, world, unique):
    trust = make_platform("trust-" + unique).register(db)
    with db.transaction() as session:
        service.add(session, "other-" + unique, "Another programme")
        service.add_scope(session, "other-" + unique, trust.issuer)
        service.grant(session, "other-" + unique, trust.issuer, "other-lead")
    other = launch(client, trust, sub="other-lead", roles=[INSTRUCTOR])
    token = other.location.split("ls=")[1]
    refused = client.get(f"/programme?ls={token}&programme={world.slug}")
    assert refused.status_code == 403 and error_code(refused) == "not_programme_lead"
    learner_id = user_of(db, world.deanery, "fy1-1").learner_id
    missing = client.get(f"/programme/trainees/{learner_id}?ls={token}")
    assert missing.status_code == 404
    assert client.get(f"/programme/export.csv?ls={world.trainee}").status_code == 403


def test_filters_and_csv_give_the_page_figures(client, db, world):
    completed(client, world.deanery, "fy2-1", 1, "f2", name="=cmd|calc", context={"id": "fy2"})
    lead, _ = lead_token(client, world.deanery, "tpd-4", world.slug)
    page = _text(client.get(f"/programme?ls={lead}"))
    assert _figure(page, "trainees") == 2 and _figure(page, "below_expected") == 1
    only_f2 = _text(client.get(f"/programme?ls={lead}&phase=f2"))
    assert _figure(only_f2, "trainees") == 1 and "=cmd|calc" in only_f2
    exported = client.get(f"/programme/export.csv?ls={lead}&programme={world.slug}")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows) == 3
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["'=cmd|calc"][4] == "Below expected"
    assert by_name["Asha Patel"][4] == "Above expected"
    bad = client.get(f"/programme?ls={lead}&course=abc")
    assert bad.status_code == 400 and error_code(bad) == "bad_filter"


def test_trainees_are_listed_page_by_page_with_figures_for_all(client, world, monkeypatch):
    from lti_tool.programmes import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    completed(client, world.deanery, "fy2-p", 2, "f2", name="Zed Last", context={"id": "fy2"})
    lead, _ = lead_token(client, world.deanery, "tpd-p", world.slug)
    first = _text(client.get(f"/programme?ls={lead}"))
    assert "Trainees 1 to 1 of 2." in first and _figure(first, "trainees") == 2
    assert first.count("data-trainee=") == 1 and "Asha Patel" in first
    following = re.search(r'href="(/programme\?[^"]*page=2[^"]*)"', first).group(1)
    second = _text(client.get(following))
    assert "Trainees 2 to 2 of 2." in second and "Zed Last" in second
    assert _text(client.get(f"/programme?ls={lead}&page=99")).count("Zed Last") == 1
