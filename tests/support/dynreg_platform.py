"""A fake LMS on 127.0.0.1 that supports LTI Dynamic Registration, Moodle-style.

It serves its OpenID configuration and JWKS, accepts POST /register and records what the
tool sent; tests change `config`, `register_status`/`register_body`, `client_id` and
`deployment_id` to script its answers.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

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
                if self.path.endswith(CONFIG_PATH):
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
