"""Dynamic registration only by invitation, only to public addresses, pending until approved."""

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from lti_tool.cli import build
from lti_tool.lti import invitations
from lti_tool.lti.registry import list_platforms
from lti_tool.models import RegistrationInvitation, utcnow
from tests.support.dynreg_platform import FakeLms
from tests.support.loopback import JsonEndpoint
from tests.support.lti_helpers import error_code, launch


@pytest.fixture
def lms(unique):
    with FakeLms(unique) as fake:
        yield fake


@pytest.fixture
def cli(database_url, data_dir):
    runner = CliRunner()
    env = {
        "LEADPATH_DATABASE_URL": database_url,
        "LEADPATH_DATA_DIR": str(data_dir),
        "LEADPATH_BASE_URL": "http://localhost",
    }

    def _run(*args):
        return runner.invoke(build(), list(args), env=env, catch_exceptions=False)

    return _run


def new_invitation(app, lifetime=timedelta(hours=1)) -> str:
    return invitations.create(app.extensions["leadpath.db"].engine, lifetime)[0]


def open_register(client, config_url, invitation):
    query = {"openid_configuration": config_url, "registration_token": "t"}
    if invitation is not None:
        query["invitation"] = invitation
    return client.get("/lti/register", query_string=query)


def stored(db, issuer):
    with db.transaction() as session:
        return [p for p in list_platforms(session) if p.issuer == issuer]


def test_the_invite_command_prints_a_url_that_registers_one_platform_once(cli, client, db, lms):
    result = cli("platform", "invite", "--expires", "2h")
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[0]
    assert url.startswith("http://localhost/lti/register?invitation=")
    [invitation] = parse_qs(urlsplit(url).query)["invitation"]
    assert open_register(client, lms.config_url, invitation).status_code == 200
    assert len(stored(db, lms.issuer)) == 1
    again = open_register(client, lms.config_url, invitation)
    assert again.status_code == 403
    assert error_code(again) == "invitation_used"
    assert len(lms.config_auth) == 1 and len(lms.registrations) == 1


def test_only_the_invitations_hash_is_stored(cli, db):
    url = cli("platform", "invite", "--json").stdout
    token = parse_qs(urlsplit(json.loads(url)["url"]).query)["invitation"][0]
    with db.transaction() as session:
        hashes = session.query(RegistrationInvitation.token_hash).all()
    assert all(token not in h for (h,) in hashes)


@pytest.mark.parametrize("expires", ["0m", "31d", "soon", "24"])
def test_invite_refuses_an_unusable_lifetime(cli, expires):
    result = cli("platform", "invite", "--expires", expires)
    assert result.exit_code == 2 and "--expires" in result.output


@pytest.mark.parametrize("kind", ["missing", "unknown", "expired"])
def test_without_a_valid_invitation_registration_is_403_and_fetches_nothing(
    client, app, db, lms, kind
):
    invitation = {"missing": None, "unknown": "not-a-real-invitation"}.get(kind)
    if kind == "expired":
        invitation = new_invitation(app)
        with db.transaction() as session:
            session.execute(
                update(RegistrationInvitation)
                .where(RegistrationInvitation.token_hash == invitations._hash(invitation))
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
    response = open_register(client, lms.config_url, invitation)
    assert response.status_code == 403
    assert error_code(response) == f"invitation_{kind}"
    assert "leadpath platform invite" in response.get_data(as_text=True)
    assert lms.config_auth == [] and lms.registrations == []
    assert stored(db, lms.issuer) == []


def test_a_failed_registration_gives_the_invitation_back_five_times(client, app, db, lms):
    invitation = new_invitation(app)
    lms.register_status = 503
    for _ in range(5):
        assert error_code(open_register(client, lms.config_url, invitation)) == (
            "registration_refused"
        )
    lms.register_status = 200
    spent = open_register(client, lms.config_url, invitation)
    assert spent.status_code == 403 and error_code(spent) == "invitation_used"
    assert stored(db, lms.issuer) == []


def test_a_failed_registration_can_be_retried_with_the_same_invitation(client, app, db, lms):
    invitation = new_invitation(app)
    lms.register_status = 503
    assert open_register(client, lms.config_url, invitation).status_code == 400
    lms.register_status = 200
    assert open_register(client, lms.config_url, invitation).status_code == 200
    assert len(stored(db, lms.issuer)) == 1


def test_loopback_platforms_are_refused_without_the_development_setting(make_app, lms):
    app = make_app(registration_private_addresses=False)
    response = open_register(app.test_client(), lms.config_url, new_invitation(app))
    assert response.status_code == 400
    assert error_code(response) == "platform_config_insecure"
    assert lms.config_auth == []


def test_a_public_looking_name_that_resolves_to_loopback_is_not_connected_to(
    make_app, lms, monkeypatch
):
    """The address is checked when connecting, so a name that resolves inward is refused."""
    port = urlsplit(lms.config_url).port
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "lms.example.test":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    app = make_app(registration_private_addresses=False)
    url = f"https://lms.example.test:{port}/.well-known/openid-configuration"
    response = open_register(app.test_client(), url, new_invitation(app))
    assert response.status_code == 403
    assert error_code(response) == "platform_config_address_refused"
    assert lms.config_auth == []


class _Redirector:
    """A loopback server answering every GET with a redirect to `target`."""

    def __init__(self, target: str):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/lms/.well-known/openid"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_redirect_to_another_host_is_not_followed(client, app):
    with JsonEndpoint({"issuer": "http://127.0.0.1/"}) as elsewhere:
        redirector = _Redirector(elsewhere.url)
        try:
            response = open_register(client, redirector.url, new_invitation(app))
        finally:
            redirector.close()
        assert elsewhere.hits == 0
    assert response.status_code == 400
    assert error_code(response) == "platform_config_invalid"
    assert "HTTP 302" in response.get_data(as_text=True)


def test_a_registration_endpoint_on_another_origin_is_refused(client, app, db, lms):
    with JsonEndpoint({}) as elsewhere:
        lms.config["registration_endpoint"] = elsewhere.url
        response = open_register(client, lms.config_url, new_invitation(app))
        assert elsewhere.hits == 0
    assert error_code(response) == "platform_config_invalid"
    assert "registration_endpoint on the configuration" in response.get_data(as_text=True)
    assert lms.registrations == [] and stored(db, lms.issuer) == []


def test_a_pending_platform_cannot_launch_until_approved(make_app, cli, db, lms):
    app = make_app(platform_approval=True)
    client = app.test_client()
    page = open_register(client, lms.config_url, new_invitation(app))
    assert page.status_code == 200
    assert "leadpath platform approve" in page.get_data(as_text=True)
    [platform] = stored(db, lms.issuer)
    assert platform.status == "pending"
    listed = cli("platform", "list").output
    assert "PENDING APPROVAL" in listed
    signer = lms.as_test_platform(platform.client_id, platform.deployment_ids[0])
    refused = client.get(
        "/lti/login",
        query_string={
            "iss": lms.issuer,
            "login_hint": "x",
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": platform.client_id,
        },
    )
    assert refused.status_code == 403 and error_code(refused) == "platform_pending"
    approved = cli("platform", "approve", "--issuer", lms.issuer, "--client-id", signer.client_id)
    assert approved.exit_code == 0 and "approved" in approved.output
    assert launch(client, signer).status_code == 303
    again = cli("platform", "approve", "--issuer", lms.issuer, "--client-id", signer.client_id)
    assert "already approved" in again.output


def test_approve_names_an_unknown_registration(cli):
    result = CliRunner().invoke(build(), ["platform", "approve", "--issuer", "x"])
    assert result.exit_code == 2
    missing = cli("platform", "approve", "--issuer", "https://nope.test", "--client-id", "c")
    assert missing.exit_code == 1 and "No registration" in missing.output
