"""Every route of the app, for every role: who may use it, and that everyone else is refused.

The routes come from `app.url_map`, so a new route without an entry in ACCESS fails the test.
A role is one entry in ROLES (how its requests authenticate, and which groups it belongs to);
an entry of ACCESS names the groups that may use the route. For a role that may, the answer is
not a refusal (401 or 403); for every other role it is 401, 403 or 404 (an id or token of
someone else's is "not found", never shown). No answer is a server error.

Path parameters are filled with values that exist (the learner's own attempt, a live rater
token) so an allowed role reaches the page's own checks; requests carry no form fields, so an
allowed POST may end in a 400 naming the missing field.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

import pytest

from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR, LEARNER, MENTOR
from lti_tool.programmes import service
from tests.support.feedback_helpers import DOMAIN, invite, start_360
from tests.support.lti_helpers import LIS, launch
from xapi.lrs import SCOPES, admins, create_credential

PASSWORD = "matrix password of the admin"
REFUSED = {401, 403, 404}  # 404: someone else's id or token is not found


@dataclass(frozen=True)
class Role:
    """Who makes a request: an LTI launch with LIS roles, a rater, an LRS key, an admin, nobody."""

    name: str
    kind: str  # "launch", "rater", "lrs", "admin" or "anonymous"
    lis_roles: tuple[str, ...] = ()
    groups: frozenset[str] = field(default_factory=frozenset)
    scopes: tuple[str, ...] = ()


def _launch(name: str, lis: str, *groups: str) -> Role:
    return Role(name, "launch", (LIS + lis,), frozenset({"launch", *groups}))


ROLES = [
    _launch(LEARNER, "membership#Learner", "learner"),
    _launch(INSTRUCTOR, "membership#Instructor", "staff", "supervisor"),
    _launch(MENTOR, "membership#Mentor", "supervisor"),
    _launch(ADMINISTRATOR, "membership#Administrator", "staff", "supervisor"),
    # An instructor granted a programme (as tests/lti_tool/programmes/test_route_roles.py does).
    Role(
        "programme lead",
        "launch",
        (LIS + "membership#Instructor",),
        frozenset({"launch", "staff", "supervisor", "programme-lead"}),
    ),
    Role("rater", "rater", groups=frozenset({"rater"})),
    Role("lrs admin", "admin", groups=frozenset({"admin"})),
    Role("anonymous", "anonymous"),
    *(
        Role(f"lrs key {scope}", "lrs", groups=frozenset({f"lrs:{scope}"}), scopes=(scope,))
        for scope in SCOPES
    ),
]

EVERYONE = "everyone"
NOBODY = "nobody"  # with the credentials of these roles (an invitation opens it)


def lrs(*scopes: str) -> frozenset[str]:
    """The groups of LRS keys holding any of `scopes` (`all` always)."""
    return frozenset(f"lrs:{s}" for s in (*scopes, "all"))


LRS_ANY = lrs(*SCOPES)
LRS_READ = lrs("statements/read", "statements/read/mine", "all/read", "define", "profile", "state")
STAFF = frozenset({"staff"})
LAUNCH = frozenset({"launch"})
SUPERVISORS = frozenset({"supervisor"})
PROGRAMME_LEAD = frozenset({"programme-lead"})
PROGRAMME = "matrix-programme"

ACCESS: dict[tuple[str, str], frozenset[str] | str] = {
    # Public pages and protocol endpoints.
    ("GET", "/"): EVERYONE,
    ("GET", "/accessibility"): EVERYONE,
    ("GET", "/docs"): EVERYONE,
    ("GET", "/frameworks"): EVERYONE,
    ("GET", "/frameworks/<framework_id>"): EVERYONE,
    ("GET", "/frameworks/<framework_id>/<path:rest>"): EVERYONE,
    ("GET", "/career-phases/<phase_id>"): EVERYONE,
    ("GET", "/xapi/profile"): EVERYONE,
    ("GET", "/xapi/profile/<path:rest>"): EVERYONE,
    ("GET", "/static/<path:filename>"): EVERYONE,
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/healthz/live"): EVERYONE,
    ("GET", "/healthz/ready"): EVERYONE,
    ("GET", "/lti/jwks"): EVERYONE,
    ("GET", "/.well-known/jwks.json"): EVERYONE,
    ("GET", "/lti/canvas.json"): EVERYONE,
    ("GET", "/lti/login"): EVERYONE,
    ("POST", "/lti/login"): EVERYONE,
    ("POST", "/lti/launch"): EVERYONE,
    ("GET", "/lti/register"): NOBODY,
    ("GET", "/admin/login"): EVERYONE,
    ("POST", "/admin/login"): EVERYONE,
    ("GET", "/demo"): EVERYONE,
    ("GET", "/demo/auth"): EVERYONE,
    ("GET", "/demo/jwks"): EVERYONE,
    ("POST", "/demo/start"): EVERYONE,
    ("GET", "/xapi/about"): EVERYONE,
    ("GET", "/xapi/openapi.json"): EVERYONE,
    ("GET", "/demo/mail"): EVERYONE,
    ("GET", "/metrics"): NOBODY,  # Prometheus's bearer token only
    # Inside a launch.
    ("GET", "/home"): LAUNCH,
    ("GET", "/journey"): LAUNCH,
    ("GET", "/journey/portfolio.json"): LAUNCH,
    ("GET", "/journey/portfolio.pdf"): LAUNCH,
    ("POST", "/identity/sharing"): LAUNCH,
    ("GET", "/course/export.csv"): STAFF,
    ("GET", "/course/learners/<int:user_id>"): STAFF,
    ("POST", "/course/roster/refresh"): STAFF,
    ("POST", "/feedback/attempts/<attempt_id>/release"): STAFF,
    # A programme lead's pages.
    ("GET", "/programme"): PROGRAMME_LEAD,
    ("GET", "/programme/export.csv"): PROGRAMME_LEAD,
    ("GET", "/programme/trainees/<learner_id>"): PROGRAMME_LEAD,
    ("GET", "/identity"): LAUNCH,
    ("POST", "/identity/code"): LAUNCH,
    ("POST", "/identity/link"): LAUNCH,
    ("POST", "/identity/unlink"): LAUNCH,
    ("GET", "/identity/registration-links"): LAUNCH,
    ("POST", "/identity/registration-links/<raw_id>"): LAUNCH,
    ("POST", "/assess/start"): LAUNCH,
    ("GET", "/assess/<attempt_id>"): frozenset({"learner"}),
    ("GET", "/assess/<attempt_id>/domains/<domain_id>"): frozenset({"learner"}),
    ("POST", "/assess/<attempt_id>/domains/<domain_id>"): frozenset({"learner"}),
    ("GET", "/assess/<attempt_id>/finish"): frozenset({"learner"}),
    ("POST", "/assess/<attempt_id>/complete"): frozenset({"learner"}),
    ("GET", "/assess/<attempt_id>/results"): frozenset({"learner"}),
    ("GET", "/assess/<attempt_id>/print"): frozenset({"learner"}),
    ("GET", "/feedback"): LAUNCH,
    ("POST", "/feedback/invitations"): LAUNCH,
    ("POST", "/feedback/invitations/<invitation_id>/revoke"): frozenset({"learner"}),
    ("GET", "/feedback/report"): LAUNCH,
    ("GET", "/feedback/self/<domain_id>"): LAUNCH,
    ("POST", "/feedback/self/<domain_id>"): LAUNCH,
    ("GET", "/feedback/r/<token>"): frozenset({"rater"}),
    ("POST", "/feedback/r/<token>"): frozenset({"rater"}),
    ("GET", "/course"): STAFF,
    ("GET", "/course/attempts/<attempt_id>/results"): STAFF,
    ("GET", "/course/attempts/<attempt_id>/feedback"): STAFF,
    ("GET", "/validation"): SUPERVISORS,
    ("GET", "/validation/attempts/<attempt_id>"): STAFF,  # the mentor's scope names no one
    ("POST", "/validation/attempts/<attempt_id>"): STAFF,
    ("GET", "/validation/attempts/<attempt_id>/sign-off"): STAFF,
    ("GET", "/validation/attempts/<attempt_id>/result"): frozenset({"learner"}),
    ("GET", "/lti/deep-link"): STAFF,
    ("POST", "/lti/deep-link"): STAFF,
    ("GET", "/lti/submission-review"): LAUNCH,
    # The LRS administrators' pages.
    ("GET", "/admin/lrs"): frozenset({"admin"}),
    ("GET", "/admin/programmes"): frozenset({"admin"}),
    ("POST", "/admin/programmes"): frozenset({"admin"}),
    ("GET", "/admin/lrs/export.<fmt>"): frozenset({"admin"}),
    ("GET", "/admin/lrs/statements/<statement_id>"): frozenset({"admin"}),
    ("POST", "/admin/logout"): frozenset({"admin"}),
    # The embedded LRS.
    ("GET", "/xapi/statements"): lrs("statements/read", "statements/read/mine", "all/read"),
    ("PUT", "/xapi/statements"): lrs("statements/write"),
    ("POST", "/xapi/statements"): lrs("statements/write"),
    ("GET", "/xapi/activities"): LRS_READ,
    ("GET", "/xapi/agents"): LRS_READ,
    **{
        (method, "/xapi/activities/state"): lrs(
            "state", "state/shared", *(("all/read",) if method == "GET" else ())
        )
        for method in ("GET", "PUT", "POST", "DELETE")
    },
    **{
        (method, path): lrs("profile", *(("all/read",) if method == "GET" else ()))
        for method in ("GET", "PUT", "POST", "DELETE")
        for path in ("/xapi/activities/profile", "/xapi/agents/profile")
    },
}


def _routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


@pytest.fixture(scope="module")
def app(base_settings):
    """The app with every optional part on (the demo, /metrics), so every route is listed."""
    from lti_tool import create_app

    application = create_app({**base_settings, "metrics": True, "metrics_token": "m" * 40})
    yield application
    application.extensions["leadpath.db"].engine.dispose()


def test_every_route_has_an_entry_and_every_entry_a_route(app):
    routes = _routes(app)
    assert sorted(routes - ACCESS.keys()) == [], "routes without an entry in ACCESS"
    assert sorted(ACCESS.keys() - routes) == [], "entries of ACCESS without a route"


@pytest.fixture(scope="module")
def world(app):
    """Sign every role in once; make the ids and tokens the paths are filled with."""
    from tests.support.lti_helpers import make_platform

    db = app.extensions["leadpath.db"]
    platform = make_platform("matrix").register(db)
    client = app.test_client()
    custom = {"assessment": "360", "domains": DOMAIN}
    creds: dict[str, dict] = {}
    with db.transaction() as session:
        service.add(session, PROGRAMME, "Matrix Foundation School")
        service.add_scope(session, PROGRAMME, platform.issuer)
        service.grant(session, PROGRAMME, platform.issuer, "matrix-programme-lead")
    for role in ROLES:
        if role.kind == "launch":
            lead = "programme-lead" in role.groups
            landed = launch(
                client,
                platform,
                sub=f"matrix-{role.name.replace(' ', '-')}",
                roles=list(role.lis_roles),
                **{
                    "https://purl.imsglobal.org/spec/lti/claim/custom": (
                        {**custom, "programme": PROGRAMME} if lead else custom
                    )
                },
            )
            creds[role.name] = {"ls": landed.location.split("ls=")[1].split("&")[0]}
        elif role.kind == "lrs":
            key, secret = create_credential(db.engine, "matrix", list(role.scopes))
            basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
            creds[role.name] = {
                "headers": {
                    "Authorization": "Basic " + basic,
                    "X-Experience-API-Version": "1.0.3",
                }
            }
        elif role.kind == "admin":
            admins.set_admin(db.engine, "matrix-admin", PASSWORD)
            admin = app.test_client()
            page = admin.get("/admin/login").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            signed = admin.post(
                "/admin/login",
                data={"username": "matrix-admin", "password": PASSWORD, "csrf_token": csrf},
            )
            assert signed.status_code in (302, 303), signed.get_data(as_text=True)
            creds[role.name] = {"client": admin}
    learner_ls = creds[LEARNER]["ls"]
    rater_token = invite(client, learner_ls, "peer")
    self_start = start_360(client, platform, f"matrix-{LEARNER}")
    from sqlalchemy import select

    from lti_tool.assess.models import Attempt, FeedbackInvitation
    from lti_tool.models import PlatformUser

    with db.transaction() as session:
        user = session.scalar(
            select(PlatformUser).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == f"matrix-{LEARNER}"
            )
        )
        attempt = session.scalar(select(Attempt).where(Attempt.platform_user_id == user.id))
        invitation = session.scalar(
            select(FeedbackInvitation.id).where(FeedbackInvitation.attempt_id == attempt.id)
        )
    assert self_start
    values = {
        "attempt_id": attempt.id,
        "domain_id": DOMAIN,
        "invitation_id": str(invitation),
        "raw_id": "1",
        "framework_id": "lf-2011",
        "rest": f"domains/{DOMAIN}",
        "phase_id": "foundation",
        "filename": "leadpath.css",
        "fmt": "csv",
        "statement_id": "00000000-0000-4000-8000-000000000000",
        "user_id": str(user.id),
        "learner_id": user.learner_id,
    }
    return {"creds": creds, "values": values, "rater": rater_token}


def _path(rule: str, values: dict, role: Role, rater: str) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        if name == "token":
            return rater if role.kind == "rater" else "not-a-rater-token"
        if name == "rest" and rule.startswith("/xapi/profile"):
            return "verbs/linked-identity"
        return values[name]

    return re.sub(r"<([^>]+)>", fill, rule)


def _allowed(entry, role: Role) -> bool:
    if entry == EVERYONE:
        return True
    if entry == NOBODY:
        return False
    return bool(entry & role.groups)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_each_role_reaches_exactly_its_routes(app, world, role):
    creds = world["creds"].get(role.name, {})
    client = creds.get("client") or app.test_client()
    wrong = []
    for (method, rule), entry in sorted(ACCESS.items()):
        if rule == "/admin/logout":
            continue  # would end the admin's session for the routes after it; tested below
        path = _path(rule, world["values"], role, world["rater"])
        # Every client names an xAPI version, so the LRS answers about the credentials.
        kwargs: dict = {
            "headers": {"X-Experience-API-Version": "1.0.3", **creds.get("headers", {})}
        }
        if "ls" in creds:
            if method == "GET":
                kwargs["query_string"] = {"ls": creds["ls"]}
            else:
                kwargs["data"] = {"ls": creds["ls"]}
        response = client.open(path, method=method, **kwargs)
        status = response.status_code
        if status in (302, 303) and response.location.startswith("/admin/login"):
            status = 401  # the admin pages send a stranger to sign in
        response.close()
        allowed = _allowed(entry, role)
        if status >= 500:
            wrong.append(f"{method} {path}: {status}")
        elif allowed and status in (401, 403):
            wrong.append(f"{method} {path}: refused ({status}) but should be allowed")
        elif not allowed and status not in REFUSED:
            wrong.append(f"{method} {path}: answered {status} but should be refused")
    assert wrong == [], "\n".join(wrong)


def test_only_a_signed_in_admin_signs_out(app, world):
    for role in ROLES:
        if role.kind == "admin":
            continue
        creds = world["creds"].get(role.name, {})
        response = app.test_client().post(
            "/admin/logout", headers=creds.get("headers", {}), data={"ls": creds.get("ls", "")}
        )
        assert response.status_code in REFUSED | {400}, (role.name, response.status_code)
