"""The instructor's course page leads to every learner's results, 360 report and validation."""

import html
import re

from tests.support.assess_helpers import attempt_id_of, complete, fill_domain, launch_learner, start
from tests.support.feedback_helpers import invite, rate, report_cells, self_rate, start_360
from tests.support.lti_helpers import INSTRUCTOR, LTI, error_code, launch

DOMAIN = "working-with-others"
NETWORKS = f"{DOMAIN}/developing-networks"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _completed(client, platform, sub, **claims):
    token = launch_learner(client, platform, sub, {"domains": DOMAIN}, **claims)
    attempt_id = attempt_id_of(start(client, token).location)
    assert fill_domain(client, token, attempt_id, DOMAIN, 3).status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    return token, attempt_id


def _instructor(client, platform, sub="tutor", **claims):
    landed = launch(client, platform, sub=sub, roles=[INSTRUCTOR], **claims)
    return landed.location.split("ls=")[1]


def test_each_learner_links_to_results_360_report_and_validation(client, platform):
    learner, attempt_id = _completed(client, platform, "roster-jo")
    feedback = start_360(client, platform, "roster-jo")
    assert self_rate(client, feedback, [2, 2, 2, 2]).status_code == 303
    assert (
        rate(client, invite(client, feedback, "peer", "pal@example.test"), [3, 3, 3, 3]).status_code
        == 200
    )
    launch_learner(  # launched, nothing started
        client, platform, "roster-new", name="Sam Carter", given_name="Sam", family_name="Carter"
    )
    tutor = _instructor(client, platform)

    page = _text(client.get(f"/course?ls={tutor}"))
    row = re.search(r'<tr [^>]*data-learner="\d+"[^>]*>.*?Jo Bloggs.*?</tr>', page, re.S).group(0)
    results_link = f"/course/attempts/{attempt_id}/results?ls={tutor}"
    assert results_link in row and "Completed" in row and "100%" in row
    report_link = re.search(r'href="(/course/attempts/[^"]+/feedback\?ls=[^"]+)"', row).group(1)
    assert "1 rater answered" in row
    review_link = f"/validation/attempts/{attempt_id}?ls={tutor}"
    assert review_link in row and "Awaiting review" in row
    assert page.count('data-learner="') == 2 and "Not started" in page
    assert f'href="/validation?ls={tutor}"' in page  # supervisors reach validation

    results = _text(client.get(results_link))
    assert "<h1>Self-assessment results of Jo Bloggs</h1>" in results
    assert "Domain profile" in results and "Back to the course overview" in results
    assert f'href="{review_link}"' in results

    report = client.get(report_link)
    assert report.status_code == 200
    text = _text(report)
    assert "360 report of Jo Bloggs" in text
    assert "pal@example.test" not in text
    cells = re.findall(r'data-group="peer">(.*?)</td>', text, re.S)
    assert cells and all("hidden (1)" in c for c in cells)  # same rule as the learner's view
    assert report_cells(client, feedback)[(NETWORKS, "peer")] == "hidden (1)"

    assert client.get(review_link).status_code == 200


def test_learners_cannot_open_a_course_learners_pages(client, platform):
    learner, attempt_id = _completed(client, platform, "roster-nosy")
    response = client.get(f"/course/attempts/{attempt_id}/results?ls={learner}")
    assert response.status_code == 403 and error_code(response) == "role_required"


def test_an_instructor_of_another_course_gets_404(client, platform):
    _, attempt_id = _completed(client, platform, "roster-other")
    context = {"id": "course-elsewhere", "title": "Another course"}
    outsider = _instructor(client, platform, "tutor-elsewhere", **{LTI + "context": context})
    assert client.get(f"/course/attempts/{attempt_id}/results?ls={outsider}").status_code == 404
    assert client.get(f"/course/attempts/{attempt_id}/feedback?ls={outsider}").status_code == 404


def test_the_instructor_sees_only_this_courses_history_of_a_learner(client, platform):
    elsewhere = {LTI + "context": {"id": "course-before", "title": "Earlier course"}}
    _, before = _completed(client, platform, "roster-moved", **elsewhere)
    _, here = _completed(client, platform, "roster-moved")
    tutor = _instructor(client, platform)
    results = _text(client.get(f"/course/attempts/{here}/results?ls={tutor}"))
    history = results[results.index('id="history-heading"') :]
    assert before not in results and history.count('role="row"') == 2  # heading row + this one
