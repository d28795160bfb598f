"""`leadpath learner export|erase`: everything about one learner out, then nothing left of them."""

import json
import os
import secrets
import stat
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import LargeBinary, select, text

from lti_tool.assess.models import (
    Attempt,
    ElementResponse,
    FeedbackInvitation,
    FeedbackResponse,
    Validation,
    ValidationElement,
)
from lti_tool.cli import build
from lti_tool.courses.models import RosterMember
from lti_tool.grades.models import GradeScore
from lti_tool.models import Membership, PlatformUser, utcnow
from lti_tool.programmes.models import HistoryConsent, Programme, ProgrammeLead
from lti_tool.rights.models import LearnerErasure
from lti_tool.schema import all_metadata
from tests.support.assess_helpers import DOMAINS, attempt_id_of, complete, fill_domain, start
from tests.support.assess_helpers import launch_learner as launch_as
from tests.support.identity_helpers import enter_code, forward_to_embedded_lrs, get_code, user_of
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, make_platform
from xapi.outbox.models import Delivery, Destination, OutboxStatement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


@pytest.fixture
def cli(database_url, data_dir, base_settings):
    env = {
        "LEADPATH_DATABASE_URL": database_url,
        "LEADPATH_DATA_DIR": str(data_dir),
        "LEADPATH_BASE_URL": base_settings["base_url"],
        "LEADPATH_SECRET_KEY": base_settings["secret_key"],
    }

    def _run(*args, input=None):
        return CliRunner().invoke(build(), list(args), env=env, input=input)

    return _run


class Person:
    """A learner with two linked accounts, a finished self-assessment, a 360 and a validation."""

    def __init__(self, app, db, client, unique):
        self.a = make_platform(unique + "a").register(db)
        self.b = make_platform(unique + "b").register(db)
        self.first = f"Erin{unique}"
        self.name = f"{self.first} Eraseme"
        self.email = f"erin.{unique}@example.test"
        self.subs = (f"erin-a-{unique}", f"erin-b-{unique}")
        claims = {
            "name": self.name,
            "given_name": self.first,
            "family_name": "Eraseme",
            "email": self.email,
        }
        self.token = launch_as(client, self.a, self.subs[0], **claims)
        token_b = launch_as(client, self.b, self.subs[1], **claims)
        self.former = user_of(db, self.b, self.subs[1]).learner_id
        assert enter_code(client, token_b, get_code(client, self.token)).status_code == 303
        self.learner = user_of(db, self.a, self.subs[0]).learner_id
        attempt_id = attempt_id_of(start(client, self.token).location)
        for domain in DOMAINS:
            fill_domain(client, self.token, attempt_id, domain, 3)
        assert complete(client, self.token, attempt_id).status_code == 303
        self.attempt_id = attempt_id
        mentor = launch_as(client, self.a, f"mentor-{unique}", roles=[INSTRUCTOR])
        assert mentor
        self._rows(db, unique)
        forward_to_embedded_lrs(db, app, f"external-{unique}", [self.a.issuer, self.b.issuer])

    def _rows(self, db, unique):
        """Rows the pages make elsewhere in the suite: 360, validations, a grade, a rater email."""
        with db.transaction() as session:
            me = session.scalar(select(PlatformUser).where(PlatformUser.sub == self.subs[0]))
            mentor = session.scalar(
                select(PlatformUser).where(PlatformUser.sub == f"mentor-{unique}")
            )
            own = session.get(Attempt, self.attempt_id)
            response = own.responses[0]
            response.reflection = f"As {self.name} I learnt to listen."
            fv = own.framework_version_id
            feedback = Attempt(
                kind="360",
                learner_id=self.learner,
                platform_user_id=me.id,
                framework_version_id=fv,
                status="completed",
            )
            other_learner = session.scalar(
                select(PlatformUser).where(PlatformUser.sub == f"mentor-{unique}")
            )
            theirs = Attempt(
                kind="360",
                learner_id=other_learner.learner_id,
                platform_user_id=mentor.id,
                framework_version_id=fv,
                status="completed",
            )
            session.add_all([feedback, theirs])
            session.flush()
            session.add(
                ElementResponse(
                    attempt_id=feedback.id,
                    element_path=response.element_path,
                    ratings={},
                    picked_stage=2,
                )
            )
            rater = FeedbackInvitation(
                attempt_id=feedback.id,
                rater_group="peer",
                email=f"rater.{unique}@example.test",
                token_hash=secrets.token_hex(32),
                expires_at=utcnow() + timedelta(days=1),
                submitted_at=utcnow(),
            )
            me_as_rater = FeedbackInvitation(
                attempt_id=theirs.id,
                rater_group="peer",
                email=self.email.upper(),
                token_hash=secrets.token_hex(32),
                expires_at=utcnow() + timedelta(days=1),
            )
            session.add_all([rater, me_as_rater])
            session.flush()
            session.add(
                FeedbackResponse(
                    invitation_id=rater.id,
                    ratings={response.element_path: 3},
                    comments={"overall": f"{self.first} listens well {unique}-comment"},
                )
            )
            validation = Validation(
                attempt_id=own.id,
                supervisor_id=mentor.id,
                comment=f"Well done {self.first}",
                signed_off_at=utcnow(),
            )
            my_review = Validation(attempt_id=theirs.id, supervisor_id=me.id, comment="Agreed")
            session.add_all([validation, my_review])
            session.flush()
            session.add(
                ValidationElement(
                    validation_id=validation.id,
                    element_path=response.element_path,
                    learner_stage=3,
                    confirmed_stage=3,
                    comment=f"{self.name} shows it",
                )
            )
            session.add(
                GradeScore(
                    platform_id=0,
                    issuer=self.a.issuer,
                    client_id=self.a.client_id,
                    lineitem="https://lms.example.test/lineitem",
                    user_id=self.subs[0],
                    lane=f"{self.a.issuer}|{self.subs[0]}",
                    attempt_id=own.id,
                    body={"userId": self.subs[0], "scoreGiven": 50},
                )
            )
            # The platform's roster (NRPS), the history consent and a programme lead grant.
            course_id = session.scalar(
                select(Membership.course_id).where(Membership.platform_user_id == me.id)
            )
            session.add(
                RosterMember(
                    course_id=course_id,
                    user_id=self.subs[0],
                    name=self.name,
                    given_name=self.first,
                    family_name="Eraseme",
                    email=self.email,
                    roles=[LEARNER],
                )
            )
            session.add(HistoryConsent(learner_id=self.learner, agreed=True))
            programme = Programme(slug=f"p-{unique}", title=f"Programme {unique}")
            session.add(programme)
            session.flush()
            session.add(
                ProgrammeLead(
                    programme_id=programme.id,
                    issuer=self.a.issuer,
                    sub=self.subs[0],
                    granted_via="cli",
                )
            )
            self.their_attempt, self.my_review, self.me_as_rater = (
                theirs.id,
                my_review.id,
                me_as_rater.id,
            )

    @property
    def markers(self) -> list[str]:
        return [self.first, self.email, *self.subs, self.learner, self.former]


@pytest.fixture
def person(app, db, client, unique):
    return Person(app, db, client, unique)


def test_export_holds_everything_about_the_learner_and_no_raters_answers(
    cli, person, tmp_path, unique
):
    result = cli(
        "learner",
        "export",
        "--issuer",
        person.a.issuer,
        "--sub",
        person.subs[0],
        "--output",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    stem = tmp_path / f"leadpath-learner-{person.learner}"
    for path in (stem.with_suffix(".json"), stem.with_suffix(".md")):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    document = json.loads(stem.with_suffix(".json").read_text())
    assert document["learner_id"] == person.learner
    assert document["merged_records"] == [person.former]
    assert {i["user_id"] for i in document["identities"]} == set(person.subs)
    assert {i["email"] for i in document["identities"]} == {person.email}
    on_a = next(i for i in document["identities"] if i["user_id"] == person.subs[0])
    [listed] = on_a["course_rosters"]
    assert listed["name"] == person.name and listed["email"] == person.email
    assert on_a["programme_lead_of"] == [f"p-{unique}"]
    assert document["history_shared_with_programmes"]["agreed"] is True
    kinds = sorted(a["kind"] for a in document["attempts"])
    assert kinds == ["360", "self"]
    own = next(a for a in document["attempts"] if a["kind"] == "self")
    assert len(own["answers"]) == 20 and any(
        "I learnt to listen" in (r["reflection"] or "") for r in own["answers"]
    )
    assert own["validation"]["comment"] == f"Well done {person.first}"
    feedback = next(a for a in document["attempts"] if a["kind"] == "360")
    assert feedback["feedback_360"]["answered"]["peer"] == 1
    text = json.dumps(document)
    assert f"{unique}-comment" not in text and f"rater.{unique}" not in text
    actors = {s["actor"]["account"]["name"] for s in document["statements_in_embedded_lrs"]}
    # The former account's statements were voided and re-issued under the learner's at the link.
    assert actors == {person.learner}
    reissued = [
        s for s in document["statements_in_embedded_lrs"] if "reissued-from" in json.dumps(s)
    ]
    assert reissued
    summary = stem.with_suffix(".md").read_text()
    assert person.name in summary and person.email in summary
    printed = cli("learner", "export", "--email", person.email, "--json")
    assert json.loads(printed.output)["learner_id"] == person.learner


def _rows_mentioning(db, markers: list[str]) -> list[tuple[str, str]]:
    found = []
    with db.engine.connect() as conn:
        for metadata in all_metadata():
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    for column, value in zip(table.columns, row, strict=True):
                        if value is None:
                            continue
                        if isinstance(column.type, LargeBinary):
                            value = bytes(value).decode("utf-8", "replace")
                        cell = (
                            json.dumps(value, default=str) if not isinstance(value, str) else value
                        )
                        found += [(table.name, m) for m in markers if m.lower() in cell.lower()]
    return found


def test_erase_leaves_nothing_identifying_and_voids_what_external_lrss_hold(
    cli, db, person, unique
):
    assert _rows_mentioning(db, person.markers), "the search must find the learner beforehand"
    with db.sessions() as session:
        delivered = set(
            session.scalars(
                select(OutboxStatement.statement_id)
                .join(Delivery, Delivery.statement_seq == OutboxStatement.seq)
                .join(Destination, Destination.id == Delivery.destination_id)
                .where(
                    Destination.name == f"external-{unique}",
                    Delivery.status == "delivered",
                    OutboxStatement.learner_key.in_([person.learner, person.former]),
                )
            )
        )
    assert delivered
    refused = cli(
        "learner",
        "erase",
        "--email",
        person.email,
        "--requested-by",
        "DPO",
        "--reason",
        f"DSAR-{unique}",
        input="n\n",
    )
    assert refused.exit_code == 1 and _rows_mentioning(db, [person.learner])
    result = cli(
        "learner",
        "erase",
        "--email",
        person.email,
        "--requested-by",
        "DPO",
        "--reason",
        f"DSAR-{unique}",
        "--yes",
        "--json",
    )
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["identities"] == 2 and counts["attempts"] == 2
    assert counts["roster_entries"] == 1 and counts["programme_lead_grants"] == 1
    assert counts["voiding_statements_queued"] == len(delivered)
    assert _rows_mentioning(db, person.markers) == []
    with db.sessions() as session:
        voiding = [
            json.loads(body)
            for body, name in session.execute(
                select(OutboxStatement.body, Destination.name)
                .join(Delivery, Delivery.statement_seq == OutboxStatement.seq)
                .join(Destination, Destination.id == Delivery.destination_id)
                .where(OutboxStatement.body.contains(VOIDED), Delivery.status == "pending")
            )
            if name == f"external-{unique}"
        ]
        assert {s["object"]["id"] for s in voiding} == delivered
        [audit] = session.scalars(
            select(LearnerErasure).where(LearnerErasure.reference == f"DSAR-{unique}")
        ).all()
        assert audit.requested_by == "DPO" and audit.counts["attempts"] == 2
        # What belongs to others stays, without this learner in it.
        assert session.get(Attempt, person.their_attempt) is not None
        review = session.get(Validation, person.my_review)
        assert session.get(PlatformUser, review.supervisor_id).issuer == "urn:leadpath:erased"
        assert session.get(FeedbackInvitation, person.me_as_rater).email is None
    again = cli(
        "learner",
        "erase",
        "--email",
        person.email,
        "--requested-by",
        "DPO",
        "--reason",
        "x",
        "--yes",
    )
    assert again.exit_code == 1 and "No learner has email" in again.output


def test_a_learner_must_be_identified_one_way(cli):
    assert cli("learner", "export").exit_code == 2
    assert cli("learner", "export", "--issuer", "https://x.test").exit_code == 2
    missing = cli("learner", "export", "--learner", "00000000-0000-0000-0000-000000000000")
    assert missing.exit_code == 1 and "No learner has learner id" in missing.output


def test_erase_is_refused_cleanly_for_ambiguous_email(cli, app, db, client, unique):
    shared = f"shared.{unique}@example.test"
    for suffix in ("x", "y"):
        launch_as(client, make_platform(unique + suffix).register(db), f"s-{suffix}", email=shared)
    result = cli(
        "learner", "erase", "--email", shared, "--requested-by", "DPO", "--reason", "r", "--yes"
    )
    assert result.exit_code == 1 and "2 learners have email" in result.output
    with db.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM platform_user WHERE email = :e"), {"e": shared}
            ).scalar()
            == 2
        )
