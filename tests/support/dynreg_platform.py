"""A fake LMS on 127.0.0.1 that supports LTI Dynamic Registration, Moodle-style.

It serves its OpenID configuration and JWKS, accepts POST /register and records what the
tool sent; tests change `config`, `register_status`/`register_body`, `client_id` and
`deployment_id` to script its answers; `config_url` may move the configuration (the path the
platform documents); `canvas_shape` and `brightspace_shape` reshape it as those platforms
document theirs.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import urlsplit

from tests.support.lti_helpers import TestPlatform, new_key

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CONFIG_PATH = "/.well-known/openid-configuration"


class FakeLms:
    """An LMS with its own key, registering tools over loopback HTTP."""

    def __init__(self, unique: str):
        self.unique = unique
        self.key, self.jwk = new_key()
        self.config_auth: list[str | None] = []
        self.registrations: list[tuple[str | None, dict]] = []
        self.register_status = 200
        self.register_body: bytes | None = None
        self.client_id: str | None = None
        self.deployment_id: str | None = f"dep-{unique}"
        self._numbers = count(1)
        lms = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                if self.path.split("?")[0] == urlsplit(lms.config_url).path:
                    lms.config_auth.append(self.headers.get("Authorization"))
                    self._answer(200, json.dumps(lms.config).encode())
                elif self.path.endswith("/jwks"):
                    self._answer(200, json.dumps({"keys": [lms.jwk]}).encode())
                else:
                    self._answer(404, b"not found")

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                lms.registrations.append((self.headers.get("Authorization"), body))
                self._answer(lms.register_status, lms.register_body or lms.answer())

            def _answer(self, status: int, body: bytes):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self.server.server_port}/lms-{unique}"
        self.config_url = self.issuer + CONFIG_PATH
        self.config = {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/auth",
            "token_endpoint": self.issuer + "/token",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "jwks_uri": self.issuer + "/jwks",
            "registration_endpoint": self.issuer + "/register",
            "scopes_supported": [
                "openid",
                AGS + "lineitem",
                AGS + "score",
                AGS + "result.readonly",
            ],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIG: {
                "product_family_code": "moodle",
                "version": "4.3",
                "messages_supported": ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"],
            },
        }
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def answer(self) -> bytes:
        """Return the registration response: a client id and, if set, a deployment id."""
        client_id = self.client_id or f"client-{self.unique}-{next(self._numbers)}"
        tool = {"deployment_id": self.deployment_id} if self.deployment_id else {}
        return json.dumps({"client_id": client_id, TOOL_CONFIG: tool}).encode()

    def as_test_platform(self, client_id: str, deployment_id: str) -> TestPlatform:
        """Return a signer for launches from this LMS with the registration it issued."""
        return TestPlatform(self.issuer, client_id, deployment_id, self.key, self.jwk)

    def __enter__(self) -> FakeLms:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def canvas_shape(lms: FakeLms) -> FakeLms:
    """Serve the OpenID configuration as Canvas documents it (doc/api/registration.md).

    Canvas's example: the configuration at /api/lti/security/openid-configuration on the
    issuer's host, endpoints under it, `authorization_server` a bare host name, message types
    as objects with placements, Canvas's own account extensions, and a registration answer
    without a deployment id (Canvas makes the deployment when the tool is installed).
    """
    origin = lms.issuer  # the site (a path of its own keeps each test's issuer apart)
    lms.config_url = origin + "/api/lti/security/openid-configuration"
    canvas = "https://canvas.instructure.com/lti/"
    lms.config = {
        "issuer": origin,
        "authorization_endpoint": origin + "/api/lti/authorize_redirect",
        "registration_endpoint": origin + "/api/lti/registrations",
        "jwks_uri": origin + "/login/oauth2/jwks",
        "token_endpoint": origin + "/login/oauth2/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": [
            AGS + "lineitem",
            AGS + "lineitem.readonly",
            AGS + "result.readonly",
            AGS + "score",
            NRPS_SCOPE,
            canvas + "public_jwk/scope/update",
            canvas + "account_lookup/scope/show",
            "https://canvas.instructure.com/lti-ags/progress/scope/show",
        ],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "picture", "email", "name", "given_name", "family_name"],
        "subject_types_supported": ["public"],
        "authorization_server": "canvas.instructure.com",
        PLATFORM_CONFIG: {
            "product_family_code": "canvas",
            "version": "vCloud",
            "messages_supported": [
                {
                    "type": "LtiResourceLinkRequest",
                    "placements": ["account_navigation", "course_navigation", "link_selection"],
                },
                {
                    "type": "LtiDeepLinkingRequest",
                    "placements": ["assignment_selection", "link_selection"],
                },
            ],
            "notice_types_supported": ["LtiHelloWorldNotice"],
            "variables": ["ResourceLink.id", "Canvas.environment.test"],
            canvas + "account_name": "Test University",
            canvas + "account_lti_guid": "pNu5F9EoIATW6XqZ33C5tiqomb7bFJ4IGWFoCFy6:canvas-lms",
        },
    }
    lms.deployment_id = None
    return lms


def brightspace_shape(lms: FakeLms, token_endpoint: str | None = None) -> FakeLms:
    """Serve the OpenID configuration with the values D2L documents for Brightspace.

    D2L's registration documentation lists what a tool needs: the issuer (the Brightspace
    site), its OIDC authentication endpoint (/d2l/lti/authenticate), keyset
    (/d2l/.well-known/jwks), the shared OAuth 2 token URL on auth.brightspace.com, and an
    OAuth 2 audience the client assertion must name (https://api.brightspace.com/auth/token),
    which the configuration gives as `authorization_server`. Its product family code is
    `desire2learn`, as in its launches.
    """
    origin = lms.issuer  # the site (a path of its own keeps each test's issuer apart)
    lms.config_url = origin + "/d2l/.well-known/openid-configuration"
    lms.config = {
        "issuer": origin,
        "authorization_endpoint": origin + "/d2l/lti/authenticate",
        "registration_endpoint": origin + "/d2l/api/lti/dynamic-registration",
        "jwks_uri": origin + "/d2l/.well-known/jwks",
        "token_endpoint": token_endpoint or "https://auth.brightspace.com/core/connect/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "authorization_server": "https://api.brightspace.com/auth/token",
        "scopes_supported": [
            AGS + "lineitem",
            AGS + "lineitem.readonly",
            AGS + "result.readonly",
            AGS + "score",
            NRPS_SCOPE,
        ],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
        PLATFORM_CONFIG: {
            "product_family_code": "desire2learn",
            "version": "20.25.1",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest"},
            ],
        },
    }
    return lms
