"""Malformed identity forms and a burst of wrong link codes answer 4xx, never 500."""

import threading

import pytest

from lti_tool.identity.models import LinkCodeFailures
from tests.support.identity_helpers import enter_code, open_session, user_of
from tests.support.lti_helpers import error_code


@pytest.mark.parametrize("identity", [str(10**30), "²", "-1", "1.5", ""])
def test_unlinking_an_account_id_out_of_range_or_not_in_digits_is_refused(
    client, platform, identity
):
    token = open_session(client, platform, "unlink-range")
    response = client.post("/identity/unlink", data={"ls": token, "identity": identity})
    assert response.status_code == 400
    assert error_code(response) == "identity_missing"
    assert "Choose the account to unlink" in response.text


@pytest.mark.parametrize("offer", ["²", "9" * 30])
def test_a_registration_link_offer_id_not_in_ascii_digits_is_not_found(client, platform, offer):
    token = open_session(client, platform, "offer-range")
    response = client.post(
        f"/identity/registration-links/{offer}", data={"ls": token, "answer": "confirm"}
    )
    assert response.status_code == 404 and error_code(response) == "offer_unknown"


def test_thirty_wrong_codes_at_once_are_all_counted_without_a_server_error(app, db, platform):
    token = open_session(app.test_client(), platform, "burst")
    statuses: list[int] = []
    start = threading.Barrier(30)

    def enter():
        client = app.test_client()
        start.wait()
        statuses.append(enter_code(client, token, "ABCD-EFGH-JK").status_code)

    threads = [threading.Thread(target=enter) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 30 and all(s in {400, 429} for s in statuses), sorted(statuses)
    # the limit of five held: at most four wrong codes were answered as wrong, the rest locked
    assert 1 <= statuses.count(400) <= 4
    with db.sessions() as session:
        row = session.get(LinkCodeFailures, user_of(db, platform, "burst").id)
    assert row.locked_until is not None and row.failures >= 5
