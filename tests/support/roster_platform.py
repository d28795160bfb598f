"""A platform's Names and Role Provisioning side on loopback: a token endpoint and a roster.

Stands for an LMS's NRPS 2.0 context memberships service (Moodle's
`/mod/lti/services.php/CourseSection/<id>/bindings/<b>/memberships` shape), because
`lti1p3platform` only builds the launch claim and serves no memberships endpoint. The token
endpoint checks the tool's client assertion (signature with the tool's JWKS, iss, sub, aud) and
the NRPS scope; the memberships endpoint checks the bearer token and the Accept header, honours
`role=`, and pages its answer with `Link: <…>; rel="next"` URLs carrying an opaque cursor that
must come back byte for byte. Every path asked for is recorded.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import jwt

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
PATH = "/mod/lti/services.php/CourseSection/7/bindings/2/memberships"


def member(user_id: str, name: str, role: str = "Learner", status: str = "Active") -> dict:
    """Return one NRPS member entry."""
    given, _, family = name.partition(" ")
    return {
        "user_id": user_id,
        "status": status,
        "name": name,
        "given_name": given,
        "family_name": family,
        "email": f"{user_id}@example.test",
        "roles": [LIS + role],
    }


class RosterPlatform:
    """A loopback NRPS service; use as a context manager."""

    def __init__(self, tool_jwks: dict, client_id: str, members: list[dict], page_size: int = 2):
        self.keys = {k["kid"]: jwt.PyJWK(k) for k in tool_jwks["keys"]}
        self.client_id = client_id
        self.members = members
        self.page_size = page_size
        self.requests: list[str] = []  # every memberships path + query asked for, as received
        self.issued_next: list[str] = []  # every next URL handed out
        self.refusals: list[str] = []
        self.fail_with: int | None = None  # answer every memberships request with this status
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.token_url = self.base + "/token"
        self.memberships_url = self.base + PATH + "?type_id=1"

    def claim(self) -> dict:
        """Return the NRPS claim a launch from this platform carries."""
        return {"context_memberships_url": self.memberships_url, "service_versions": ["2.0"]}

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def grant(self, form: dict) -> tuple[int, dict]:
        """Check the client assertion and scope, then issue a bearer token."""
        try:
            assertion = form["client_assertion"]
            key = self.keys[jwt.get_unverified_header(assertion)["kid"]]
            claims = jwt.decode(
                assertion, key, algorithms=["RS256"], audience=self.token_url, issuer=self.client_id
            )
            assert claims["sub"] == self.client_id
            assert NRPS_SCOPE in form.get("scope", "").split()
        except (KeyError, AssertionError, jwt.PyJWTError) as exc:
            self.refusals.append(f"token refused: {exc!r}")
            return 400, {"error": "invalid_client"}
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    def page(self, raw_path: str, headers) -> tuple[int, dict, dict]:
        """Answer one memberships page."""
        with self._lock:
            self.requests.append(raw_path)
            ok = headers.get("Authorization", "").removeprefix("Bearer ") in self._tokens
        if not ok:
            self.refusals.append("memberships without a valid token")
            return 401, {}, {"error": "invalid_token"}
        if headers.get("Accept") != CONTAINER:
            self.refusals.append(f"Accept {headers.get('Accept')}")
            return 406, {}, {"error": "not acceptable"}
        if self.fail_with:
            return self.fail_with, {}, {"error": "unavailable"}
        query = parse_qs(urlsplit(raw_path).query)
        role = query.get("role", [None])[0]
        wanted = [
            m for m in self.members if role is None or LIS + role.split("#")[-1] in m["roles"]
        ]
        cursor = query.get("cursor", [None])[0]
        start = int(unquote(cursor).split("|")[1]) if cursor else 0
        chunk = wanted[start : start + self.page_size]
        extra = {}
        if start + self.page_size < len(wanted):
            # An opaque cursor with characters a client must not re-encode or decode.
            token = f"p%7C{start + self.page_size}%7Cz%2B%3D"
            nxt = f"{self.base}{PATH}?type_id=1&cursor={token}"
            if role:
                nxt += "&role=" + query["role"][0].replace("#", "%23")
            self.issued_next.append(nxt)
            extra["Link"] = f'<{nxt}>; rel="next"'
        body = {"id": self.memberships_url, "context": {"id": "course-1"}, "members": chunk}
        return 200, {"Content-Type": CONTAINER, **extra}, body

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status, headers, body):
                raw = json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = platform.grant(form)
                self._send(status, {}, body)

            def do_GET(self):  # noqa: N802 - http.server's naming
                if not self.path.startswith(PATH):
                    return self._send(404, {}, {"error": "not found"})
                return self._send(*platform.page(self.path, self.headers))

            def log_message(self, *args):
                pass

        return Handler
