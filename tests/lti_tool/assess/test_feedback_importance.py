"""The HLM 360 asks self and raters how important each dimension is to the role."""

import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from lti_tool.assess.models import Attempt, FeedbackInvitation, FeedbackResponse
from lti_tool.cli import build
from lti_tool.models import PlatformUser
from tests.support.feedback_helpers import invite, start_360
from tests.support.lti_helpers import LTI

HOLDING, CARE = "holding-to-account", "leading-with-care"
HLM_360 = {"assessment": "360", "framework": "hlm-2013", "domains": f"{HOLDING},{CARE}"}
LABELS = ["Of little importance", "Quite important", "Very important", "Critical to the role"]


def start_hlm(client, platform, sub, custom=HLM_360):
    link = {"id": f"link-{sub}", "title": "360 feedback"}
    return start_360(client, platform, sub, **{LTI + "custom": custom, LTI + "resource_link": link})


def self_rate(client, token, domain, stage="2", importance="3", revision=0):
    form = {"ls": token, "domain": domain, "revision": str(revision)}
    form[f"stage-{domain}/{domain}"] = stage
    if importance is not None:
        form[f"importance-{domain}"] = importance
    return client.post(f"/feedback/self/{domain}", data=form)


def rate(client, link, stages, importance):
    """Send a rater's form: `stages` and `importance` map a dimension to a field value."""
    form = {f"stage-{d}/{d}": s for d, s in stages.items()}
    form.update({f"importance-{d}": v for d, v in importance.items()})
    return client.post(f"/feedback/r/{link}", data=form)


def error_summary(page: str) -> list[tuple[str, str]]:
    """The error summary's links: (target, text)."""
    summary = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">.*?</ul>', page, re.S)
    links = re.findall(r'<a href="([^"]+)"\s*>(.*?)</a>', summary.group(0), re.S)
    return [(href, re.sub(r"\s+", " ", text).strip()) for href, text in links]


def attempt_of(db, platform, sub) -> Attempt:
    with db.sessions() as session:
        user = session.scalar(
            select(PlatformUser).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
            )
        )
        attempt = session.scalar(select(Attempt).where(Attempt.learner_id == user.learner_id))
        if attempt is not None:
            session.expunge(attempt)
        return attempt


def stored_importance(db, attempt_id) -> list:
    with db.sessions() as session:
        return session.scalars(
            select(FeedbackResponse.importance)
            .join(FeedbackInvitation, FeedbackInvitation.id == FeedbackResponse.invitation_id)
            .where(FeedbackInvitation.attempt_id == attempt_id)
        ).all()


def report_cells(client, token) -> dict:
    page = client.get(f"/feedback/report?ls={token}")
    assert page.status_code == 200
    text = re.sub(
        r'<span class="nhsuk-table__heading"[^>]*>.*?</span>', "", page.get_data(as_text=True)
    )
    cells = re.findall(r'<td [^>]*data-dimension="([^"]+)" data-group="([^"]+)">(.*?)</td>', text)
    return {(d, g): re.sub(r"<[^>]+>", "", v).strip() for d, g, v in cells}


def test_the_self_rating_asks_how_important_the_dimension_is_and_stores_it(client, platform, db):
    token = start_hlm(client, platform, "im-self")
    page = client.get(f"/feedback/self/{HOLDING}?ls={token}").get_data(as_text=True)
    assert "How important is Holding to account to your role?" in page
    assert all(label in page for label in LABELS)
    assert self_rate(client, token, HOLDING, importance="4").status_code == 303
    assert attempt_of(db, platform, "im-self").importance == {HOLDING: 4}
    page = client.get(f"/feedback/self/{HOLDING}?ls={token}").get_data(as_text=True)
    assert re.search(r'name="importance-holding-to-account"[^>]*value="4" checked', page)
    assert self_rate(client, token, CARE, importance="1", revision=1).status_code == 303
    attempt = attempt_of(db, platform, "im-self")
    assert attempt.importance == {HOLDING: 4, CARE: 1} and attempt.status == "completed"


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        (None, "Holding to account: choose how important it is to your role"),
        ("", "Holding to account: choose how important it is to your role"),
        ("7", "Holding to account: choose one of the answers given"),
        ("0", "Holding to account: choose one of the answers given"),
        ("three", "Holding to account: choose one of the answers given"),
    ],
)
def test_a_missing_or_off_scale_self_importance_is_shown_in_the_error_summary(
    client, platform, db, sent, message
):
    sub = f"im-bad-{sent}"
    token = start_hlm(client, platform, sub)
    refused = self_rate(client, token, HOLDING, stage="3", importance=sent)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert error_summary(page) == [("#importance-holding-to-account", message)]
    assert 'id="importance-holding-to-account"' in page  # the summary's link lands on it
    assert re.search(
        r'name="stage-holding-to-account/holding-to-account"[^>]*value="3" checked', page
    )
    assert attempt_of(db, platform, sub) is None  # nothing stored, not even a 360 begun


def test_a_rater_answers_importance_per_dimension_and_slips_are_summarised(client, platform, db):
    token = start_hlm(client, platform, "im-rater")
    link = invite(client, token, "peer")
    form = client.get(f"/feedback/r/{link}").get_data(as_text=True)
    assert "How important is Holding to account to Jo's role?" in form
    assert "How important is Leading with care to Jo's role?" in form

    missing = rate(client, link, {HOLDING: "2", CARE: "none"}, {HOLDING: "5"})
    assert missing.status_code == 400
    care = "Leading with care: choose how important it is to Jo's role"
    holding = "Holding to account: choose one of the answers given"
    assert error_summary(missing.get_data(as_text=True)) == [  # in the form's order
        ("#importance-leading-with-care", care),
        ("#importance-holding-to-account", holding),
    ]
    nothing = rate(client, link, {HOLDING: "none", CARE: "none"}, {HOLDING: "2", CARE: "2"})
    assert nothing.status_code == 400
    assert [t for _, t in error_summary(nothing.get_data(as_text=True))] == [
        "Rate at least one element before sending your feedback"
    ]
    doubled = client.post(
        f"/feedback/r/{link}",
        data={
            f"stage-{HOLDING}/{HOLDING}": "2",
            f"importance-{HOLDING}": ["2", "3"],
            f"importance-{CARE}": "2",
        },
    )
    assert doubled.status_code == 400
    assert "more than one importance" in doubled.get_data(as_text=True)
    attempt = attempt_of(db, platform, "im-rater")
    assert stored_importance(db, attempt.id) == []  # every refused form stored nothing
    sent = rate(client, link, {HOLDING: "2", CARE: "none"}, {HOLDING: "3", CARE: "4"})
    assert sent.status_code == 200
    assert stored_importance(db, attempt.id) == [{HOLDING: 3, CARE: 4}]


def test_the_report_sets_self_against_others_importance_under_the_anonymity_rules(client, platform):
    token = start_hlm(client, platform, "im-report")
    assert self_rate(client, token, HOLDING, importance="4").status_code == 303
    assert self_rate(client, token, CARE, importance="2", revision=1).status_code == 303
    manager = invite(client, token, "line-manager")
    assert rate(client, manager, {HOLDING: "3"}, {HOLDING: "4", CARE: "3"}).status_code == 200
    for value in ("3", "4"):
        peer = invite(client, token, "peer")
        assert rate(client, peer, {HOLDING: "2"}, {HOLDING: value, CARE: "1"}).status_code == 200

    cells = report_cells(client, token)
    assert cells[(HOLDING, "self")] == "4 Critical to the role"
    assert cells[(CARE, "self")] == "2 Quite important"
    assert cells[(HOLDING, "line-manager")] == "4"  # named, so shown from one
    assert cells[(HOLDING, "peer")] == "hidden (2)"
    assert cells[(HOLDING, "direct-report")] == "–"
    assert cells[(HOLDING, "others")] == "hidden"

    peer = invite(client, token, "peer")
    assert rate(client, peer, {HOLDING: "2"}, {HOLDING: "3", CARE: "1"}).status_code == 200
    cells = report_cells(client, token)
    assert cells[(HOLDING, "peer")] == "3"  # median of 3, 4, 3
    assert cells[(CARE, "peer")] == "1"
    assert cells[(HOLDING, "others")] == "hidden"  # three answers besides the manager's

    peer = invite(client, token, "peer")
    assert rate(client, peer, {HOLDING: "2"}, {HOLDING: "2", CARE: "2"}).status_code == 200
    direct = invite(client, token, "direct-report")
    assert rate(client, direct, {HOLDING: "2"}, {HOLDING: "1", CARE: "4"}).status_code == 200
    cells = report_cells(client, token)
    assert cells[(HOLDING, "direct-report")] == "hidden (1)"
    assert cells[(HOLDING, "others")] == "hidden"  # the one direct report could be recovered

    for _ in range(2):
        direct = invite(client, token, "direct-report")
        assert rate(client, direct, {HOLDING: "2"}, {HOLDING: "2", CARE: "4"}).status_code == 200
    cells = report_cells(client, token)
    assert cells[(HOLDING, "direct-report")] == "2"
    # The fourth peer's answer waits for the next whole step of three peers (feedback_steps).
    # others: manager 4, peers 3, 4, 3, direct reports 1, 2, 2
    assert cells[(HOLDING, "others")] == "3 (1–4)"
    assert cells[(CARE, "others")] == "3 (1–4)"  # 3, 1, 1, 1, 4, 4, 4


def test_lf_and_curricula_360s_ask_no_importance(client, platform):
    for framework in ("lf-2011", "ukfp-2021"):
        custom = {"assessment": "360", "framework": framework}
        token = start_hlm(client, platform, f"im-{framework}", custom)
        hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
        first = re.search(r'href="(/feedback/self/[a-z0-9-]+)\?', hub).group(1)
        page = client.get(f"{first}?ls={token}").get_data(as_text=True)
        assert "How important" not in page and "importance-" not in page
        link = invite(client, token, "peer")
        assert "How important" not in client.get(f"/feedback/r/{link}").get_data(as_text=True)
        report = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
        assert "How important each dimension is" not in report


@pytest.fixture
def cli(database_url, data_dir, base_settings):
    env = {
        "LEADPATH_DATABASE_URL": database_url,
        "LEADPATH_DATA_DIR": str(data_dir),
        "LEADPATH_BASE_URL": base_settings["base_url"],
        "LEADPATH_SECRET_KEY": base_settings["secret_key"],
    }
    return lambda *args: CliRunner().invoke(build(), list(args), env=env)


def test_the_learners_export_holds_the_importance_summary_as_the_report_shows_it(
    client, platform, cli
):
    token = start_hlm(client, platform, "im-export")
    assert self_rate(client, token, HOLDING, importance="4").status_code == 303
    manager = invite(client, token, "line-manager")
    assert rate(client, manager, {HOLDING: "3"}, {HOLDING: "3", CARE: "3"}).status_code == 200
    for value in ("1", "2"):
        peer = invite(client, token, "peer")
        assert rate(client, peer, {HOLDING: "2"}, {HOLDING: value, CARE: "1"}).status_code == 200

    printed = cli("learner", "export", "--issuer", platform.issuer, "--sub", "im-export", "--json")
    assert printed.exit_code == 0, printed.output
    [feedback] = [a for a in json.loads(printed.output)["attempts"] if a["kind"] == "360"]
    holding = feedback["feedback_360"]["importance"][HOLDING]
    assert holding["self_value"] == 4
    groups = {g["group"]: g for g in holding["groups"]}
    assert groups["line-manager"]["median"] == 3
    assert groups["peer"]["raters"] == 2 and groups["peer"]["median"] is None  # below three
    assert holding["others_median"] is None
    assert '"1"' not in json.dumps(groups["peer"]) and "1.5" not in json.dumps(holding)
