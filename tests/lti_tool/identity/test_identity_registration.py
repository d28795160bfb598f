"""Opt-in linking by professional registration number sent as an LTI custom parameter."""

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from lti_tool.cli import build
from lti_tool.identity.linking import normalise_registration, set_registration_linking
from lti_tool.identity.models import PlatformOption, ProfessionalRegistration
from lti_tool.models import Platform
from tests.support.identity_helpers import LINKED, open_session, queued_with_verb, user_of
from tests.support.lti_helpers import make_platform


def _opt_in(db, platform, enabled=True):
    with db.transaction() as session:
        row = session.scalar(select(Platform).where(Platform.issuer == platform.issuer))
        set_registration_linking(session, row, enabled)
    return platform


@pytest.fixture
def opted_in(db, unique):
    return [_opt_in(db, make_platform(unique + suffix).register(db)) for suffix in ("a", "b", "c")]


def _number(unique: str) -> str:
    return str(int(unique, 16) % 10_000_000).zfill(7)


def test_registration_numbers_are_normalised():
    assert normalise_registration(" gmc 1234-567 ") == "GMC1234567"
    assert normalise_registration("12a3456e") == "12A3456E"
    assert normalise_registration("x") is None
    assert normalise_registration("<script>") is None


def test_same_number_from_two_opted_in_platforms_links_on_launch(db, client, opted_in, unique):
    a, b, _ = opted_in
    number = _number(unique)
    open_session(client, a, "reg-a", professional_registration=number)
    open_session(client, b, "reg-b", professional_registration=f"{number[:3]} {number[3:]}")
    learner = user_of(db, a, "reg-a").learner_id
    assert user_of(db, b, "reg-b").learner_id == learner
    [statement] = queued_with_verb(db, LINKED, learner)
    assert statement["object"]["definition"]["type"].endswith("/activity-types/lti-platform")
    launched = queued_with_verb(db, "http://adlnet.gov/expapi/verbs/launched", learner)
    assert len(launched) == 2, "B's launch statement already names the linked learner"


def test_only_a_keyed_hash_of_the_number_is_stored(db, client, opted_in, unique):
    a = opted_in[0]
    number = _number(unique)
    open_session(client, a, "hash-a", professional_registration=number)
    with db.sessions() as session:
        row = session.get(ProfessionalRegistration, user_of(db, a, "hash-a").id)
    assert row.number_hash != number and number not in row.number_hash
    assert len(row.number_hash) == 64


def test_no_link_when_one_platform_did_not_opt_in(db, client, opted_in, unique):
    a = opted_in[0]
    plain = make_platform(unique + "p").register(db)
    number = _number(unique)
    open_session(client, a, "opt-a", professional_registration=number)
    open_session(client, plain, "opt-p", professional_registration=number)
    assert user_of(db, plain, "opt-p").learner_id != user_of(db, a, "opt-a").learner_id
    open_session(client, _opt_in(db, make_platform(unique + "q").register(db), False), "opt-q")
    assert user_of(db, plain, "opt-p").learner_id != user_of(db, a, "opt-a").learner_id


def test_different_numbers_do_not_link(db, client, opted_in, unique):
    a, b, _ = opted_in
    open_session(client, a, "diff-a", professional_registration="1111111")
    open_session(client, b, "diff-b", professional_registration="2222222")
    assert user_of(db, a, "diff-a").learner_id != user_of(db, b, "diff-b").learner_id


def test_an_unlinked_identity_is_not_linked_again_by_its_number(db, client, opted_in, unique):
    a, b, _ = opted_in
    number = _number(unique)
    token_a = open_session(client, a, "again-a", professional_registration=number)
    open_session(client, b, "again-b", professional_registration=number)
    user_b = user_of(db, b, "again-b")
    response = client.post("/identity/unlink", data={"ls": token_a, "identity": user_b.id})
    assert response.status_code == 303
    open_session(client, b, "again-b", professional_registration=number)
    assert user_of(db, b, "again-b").learner_id != user_of(db, a, "again-a").learner_id


def test_platform_add_option_turns_registration_linking_on_and_off(
    db, database_url, data_dir, unique
):
    runner = CliRunner()
    env = {"LEADPATH_DATABASE_URL": database_url, "LEADPATH_DATA_DIR": str(data_dir)}
    issuer = f"https://cli-reg-{unique}.example.ac.uk"

    def add(*extra):
        args = ["platform", "add", "--issuer", issuer, "--client-id", "cid", *extra]
        args += ["--auth-url", issuer + "/a", "--token-url", issuer + "/t", "--jwks-url", issuer]
        return runner.invoke(build(), args, env=env, catch_exceptions=False)

    def option():
        with db.sessions() as session:
            platform = session.scalar(select(Platform).where(Platform.issuer == issuer))
            row = session.get(PlatformOption, platform.id)
            return row.link_by_registration_number if row else None

    result = add("--link-by-registration-number")
    assert result.exit_code == 0, result.output
    assert "registration number: on" in result.output
    assert option() is True
    assert add().exit_code == 0
    assert option() is True
    assert add("--no-link-by-registration-number").exit_code == 0
    assert option() is False
