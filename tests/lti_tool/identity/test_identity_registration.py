"""Opt-in linking by professional registration number: canonical forms, and links by consent."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from lti_tool.cli import build
from lti_tool.identity.linking import set_registration_linking
from lti_tool.identity.models import PlatformOption, ProfessionalRegistration
from lti_tool.identity.registration_numbers import normalise_registration
from lti_tool.models import Platform
from tests.support.identity_helpers import LINKED, queued_with_verb, user_of
from tests.support.lti_helpers import LTI, launch, make_platform


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


OFFERS = "/identity/registration-links"


def open_session(client, platform, sub, **custom):
    """Launch; return (session token, where the launch landed)."""
    response = launch(client, platform, sub=sub, **{LTI + "custom": custom})
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.location)
    return parse_qs(location.query)["ls"][0], location.path


def offer_ids(client, token):
    page = client.get("/identity/registration-links", query_string={"ls": token})
    assert page.status_code == 200
    return [int(n) for n in re.findall(r"/identity/registration-links/(\d+)", page.text)]


def answer(client, token, offer_id, choice):
    return client.post(
        f"/identity/registration-links/{offer_id}", data={"ls": token, "answer": choice}
    )


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("GMC 7000001", "GMC:7000001"),
        ("gmc-7000001", "GMC:7000001"),
        (" 7000001 ", "GMC:7000001"),
        ("GMC: 700-0001", "GMC:7000001"),
        ("12a3456e", "NMC:12A3456E"),
        ("NMC 12A3456E", "NMC:12A3456E"),
        ("PH123456", "HCPC:PH123456"),
        ("hcpc pyl 012345", "HCPC:PYL12345"),
        ("ODP-4567", "HCPC:ODP4567"),
    ],
)
def test_registration_numbers_have_one_canonical_form_per_register(raw, canonical):
    assert normalise_registration(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "x",
        "<script>",
        "GMC 700001",
        "GMC 70000012",
        "NMC 7000001",
        "12A34567",
        "XX123456",
        "PH1234567",
        "GMC7000001X",
        "",
        "1" * 50,
        "HCPC 7000001",
    ],
)
def test_malformed_registration_numbers_are_refused(raw):
    assert normalise_registration(raw) is None


def test_same_number_from_two_platforms_links_only_when_both_people_confirm(
    db, client, opted_in, unique
):
    a, b, _ = opted_in
    number = _number(unique)
    token_a, landed_a = open_session(client, a, "reg-a", professional_registration=number)
    assert landed_a != OFFERS
    token_b, landed_b = open_session(
        client, b, "reg-b", professional_registration=f"GMC {number[:3]}-{number[3:]}"
    )
    assert landed_b == OFFERS
    learner = user_of(db, a, "reg-a").learner_id
    assert user_of(db, b, "reg-b").learner_id != learner
    [offer] = offer_ids(client, token_b)
    assert answer(client, token_b, offer, "confirm").status_code == 303
    assert user_of(db, b, "reg-b").learner_id != learner, "one side's word is not enough"
    token_a, landed_a = open_session(client, a, "reg-a", professional_registration=number)
    assert landed_a == OFFERS
    assert offer_ids(client, token_a) == [offer]
    done = answer(client, token_a, offer, "confirm")
    assert done.status_code == 303 and "done=linked" in done.location
    assert user_of(db, b, "reg-b").learner_id == learner
    [statement] = queued_with_verb(db, LINKED, learner)
    assert statement["object"]["definition"]["type"].endswith("/activity-types/lti-platform")


def test_another_persons_number_written_differently_never_joins_their_record(
    db, client, opted_in, unique, app
):
    """The attacker's platform sends the victim's GMC number as gmc-7000001."""
    victim_platform, attacker_platform, _ = opted_in
    number = _number(unique)
    victim_token, _ = open_session(
        client, victim_platform, "victim", professional_registration=f"GMC {number}"
    )
    attacker_token, landed = open_session(
        client, attacker_platform, "attacker", professional_registration=f"gmc-{number}"
    )
    victim = user_of(db, victim_platform, "victim")
    assert user_of(db, attacker_platform, "attacker").learner_id != victim.learner_id
    [offer] = offer_ids(client, attacker_token)
    answer(client, attacker_token, offer, "confirm")
    assert user_of(db, attacker_platform, "attacker").learner_id != victim.learner_id
    page = client.get("/identity/registration-links", query_string={"ls": attacker_token})
    assert "Jo Bloggs" not in page.text and "jo@example.test" not in page.text
    identity = client.get("/identity", query_string={"ls": attacker_token})
    assert victim_platform.issuer not in identity.text
    # The victim says no; the pair is never offered again.
    assert answer(client, victim_token, offer, "decline").status_code == 303
    open_session(client, attacker_platform, "attacker", professional_registration=number)
    assert offer_ids(client, attacker_token) == []
    assert user_of(db, attacker_platform, "attacker").learner_id != victim.learner_id


def test_an_earlier_false_claim_cannot_pull_in_the_real_owner(db, client, opted_in, unique):
    """The attacker's record holds the number first; the real owner arrives later."""
    attacker_platform, owner_platform, _ = opted_in
    number = _number(unique)
    attacker_token, _ = open_session(
        client, attacker_platform, "early", professional_registration=number
    )
    open_session(client, owner_platform, "owner", professional_registration=number)
    [offer] = offer_ids(client, attacker_token)
    assert answer(client, attacker_token, offer, "confirm").status_code == 303
    owner = user_of(db, owner_platform, "owner")
    assert owner.learner_id != user_of(db, attacker_platform, "early").learner_id


def test_a_number_held_by_two_different_records_links_nothing(db, client, opted_in, unique):
    a, b, c = opted_in
    number = _number(unique)
    token_a, _ = open_session(client, a, "two-a", professional_registration=number)
    token_b, _ = open_session(client, b, "two-b", professional_registration=number)
    [offer] = offer_ids(client, token_b)
    token_c, landed_c = open_session(client, c, "two-c", professional_registration=number)
    assert landed_c != OFFERS and offer_ids(client, token_c) == []
    answer(client, token_b, offer, "confirm")
    refused = answer(client, token_a, offer, "confirm")
    assert refused.status_code == 409
    learners = {user_of(db, p, s).learner_id for p, s in ((a, "two-a"), (b, "two-b"), (c, "two-c"))}
    assert len(learners) == 3


def test_a_malformed_number_is_not_kept(db, client, opted_in, unique):
    a = opted_in[0]
    open_session(client, a, "bad-a", professional_registration="GMC 70000")
    with db.sessions() as session:
        assert session.get(ProfessionalRegistration, user_of(db, a, "bad-a").id) is None


def test_an_offer_is_answered_only_by_its_own_people(db, client, opted_in, unique):
    a, b, c = opted_in
    number = _number(unique)
    open_session(client, a, "own-a", professional_registration=number)
    token_b, _ = open_session(client, b, "own-b", professional_registration=number)
    [offer] = offer_ids(client, token_b)
    stranger, _ = open_session(client, c, "own-c")
    assert answer(client, stranger, offer, "confirm").status_code == 404
    assert answer(client, token_b, "x1", "confirm").status_code == 404
    assert answer(client, token_b, offer, "maybe").status_code == 400


def test_only_a_keyed_hash_of_the_number_is_stored(db, client, opted_in, unique):
    a = opted_in[0]
    number = _number(unique)
    open_session(client, a, "hash-a", professional_registration=number)
    with db.sessions() as session:
        row = session.get(ProfessionalRegistration, user_of(db, a, "hash-a").id)
    assert row.number_hash != number and number not in row.number_hash
    assert len(row.number_hash) == 64


def test_no_offer_when_one_platform_did_not_opt_in(db, client, opted_in, unique):
    a = opted_in[0]
    plain = make_platform(unique + "p").register(db)
    number = _number(unique)
    open_session(client, a, "opt-a", professional_registration=number)
    token_p, landed = open_session(client, plain, "opt-p", professional_registration=number)
    assert landed != OFFERS and offer_ids(client, token_p) == []


def test_different_numbers_offer_nothing(db, client, opted_in, unique):
    a, b, _ = opted_in
    open_session(client, a, "diff-a", professional_registration="1111111")
    token_b, landed = open_session(client, b, "diff-b", professional_registration="2222222")
    assert landed != OFFERS and offer_ids(client, token_b) == []


def test_an_unlinked_identity_is_not_offered_again_by_its_number(db, client, opted_in, unique):
    a, b, _ = opted_in
    number = _number(unique)
    token_a, _ = open_session(client, a, "again-a", professional_registration=number)
    token_b, _ = open_session(client, b, "again-b", professional_registration=number)
    [offer] = offer_ids(client, token_b)
    answer(client, token_b, offer, "confirm")
    answer(client, token_a, offer, "confirm")
    user_b = user_of(db, b, "again-b")
    assert user_b.learner_id == user_of(db, a, "again-a").learner_id
    response = client.post("/identity/unlink", data={"ls": token_a, "identity": user_b.id})
    assert response.status_code == 303
    token_b, landed = open_session(client, b, "again-b", professional_registration=number)
    assert landed != OFFERS and offer_ids(client, token_b) == []
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
