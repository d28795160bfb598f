"""A platform's AGS side on loopback: a token endpoint and a line item's score service.

The token endpoint verifies the tool's client assertion against the tool's own JWKS (given,
or fetched from the tool and cached as platforms do) (signature, kid, iss, sub, aud, exp, iat,
unique jti) before it issues a bearer token; the
score service checks that token, the content type and the score, and records what it
accepts. Score answers can be scripted: a status with headers and body, a stall past the
tool's read timeout, or a 401 that also revokes every token issued so far.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import requests

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_PATH = re.compile(r"^/mod/lti/services\.php/2/lineitems/(\d+)/lineitem/scores$")
CONTAINER_PATH = "/mod/lti/services.php/2/lineitems"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
REQUIRED = ("userId", "scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress")


class Gradebook:
    """A loopback platform gradebook; use as a context manager."""

    def __init__(
        self, tool_jwks: dict | None, client_id: str, port: int = 0, jwks_url: str | None = None
    ):
        """Trust `tool_jwks`, or fetch the tool's keyset from `jwks_url` and cache it."""
        self.keys = {k["kid"]: jwt.PyJWK(k) for k in (tool_jwks or {"keys": []})["keys"]}
        self.jwks_url = jwks_url
        self.jwks_fetches = 0
        self.assertion_kids: list[str] = []  # the key id of every assertion accepted
        self.client_id = client_id
        self.line_items: dict[int, dict] = {}  # the columns made in the container, by number
        self.line_item_posts = 0
        self.line_item_delay = 0.0  # seconds each POST to the container takes
        self.scores: list[dict] = []  # accepted scores, each with its "lineitem" number
        self.score_posts = 0
        self.token_grants = 0
        self.refusals: list[str] = []  # why a token or score request was refused
        self.script: list[tuple] = []
        self._tokens: set[str] = set()
        self._jtis: set[str] = set()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.token_url = self.base + "/token"
        self.audience: str | None = None  # the `aud` assertions must carry, if not token_url

    def lineitem(self, number: int) -> str:
        """Return a Moodle-shaped line item URL (with a query string)."""
        return f"{self.base}/mod/lti/services.php/2/lineitems/{number}/lineitem?type_id=1"

    def endpoint_claim(self, number: int, *, lineitem: bool = True, scopes=None) -> dict:
        """Return the AGS endpoint claim of a launch into line item `number`."""
        claim = {
            "scope": list(scopes or [SCORE_SCOPE]),
            "lineitems": f"{self.base}/mod/lti/services.php/2/lineitems?type_id=1",
        }
        if lineitem:
            claim["lineitem"] = self.lineitem(number)
        return claim

    def add_line_item(self, item: dict) -> str:
        """Make a column in the container (as the platform does from a deep link); its URL."""
        with self._lock:
            number = 1000 + len(self.line_items)
            self.line_items[number] = {**item, "id": self.lineitem(number)}
            return self.lineitem(number)

    def container(self, method: str, query: dict, headers, raw: bytes) -> tuple[int, dict, object]:
        """Answer the line item container: GET lists (by resource_id), POST makes a column."""
        authorised = headers.get("Authorization", "").removeprefix("Bearer ") in self._tokens
        if not authorised:
            self.refusals.append("line items asked for without a valid token")
            return 401, {}, {"error": "invalid_token"}
        if method == "GET":
            wanted = query.get("resource_id")
            with self._lock:
                items = [i for i in self.line_items.values() if wanted in (None, i["resourceId"])]
            return 200, {}, items
        if headers.get("Content-Type") != LINEITEM_TYPE:
            self.refusals.append(f"line item posted as {headers.get('Content-Type')}")
            return 415, {}, {"error": "unsupported media type"}
        with self._lock:
            self.line_item_posts += 1
        time.sleep(self.line_item_delay)
        item = json.loads(raw)
        if not isinstance(item.get("scoreMaximum"), int | float) or not item.get("label"):
            self.refusals.append(f"line item without scoreMaximum or label: {item}")
            return 400, {}, {"error": "incomplete line item"}
        url = self.add_line_item(item)
        return 201, {}, {**item, "id": url}

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # -- the two endpoints ----------------------------------------------------------------

    def grant(self, form: dict) -> tuple[int, dict]:
        """Answer a token request: verify the client assertion, then issue a bearer token."""
        problem = self._assertion_problem(form)
        if problem:
            self.refusals.append(problem)
            return 400, {"error": "invalid_client", "error_description": problem}
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._tokens.add(token)
            self.token_grants += 1
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    def _assertion_problem(self, form: dict) -> str | None:
        if form.get("grant_type") != "client_credentials":
            return "grant_type is not client_credentials"
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return "client_assertion_type is not jwt-bearer"
        if SCORE_SCOPE not in (form.get("scope") or "").split():
            return "the score scope was not asked for"
        assertion = form.get("client_assertion", "")
        try:
            kid = jwt.get_unverified_header(assertion)["kid"]
            key = self.key_for(kid)
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                audience=self.audience or self.token_url,
                issuer=self.client_id,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
            )
        except (KeyError, jwt.PyJWTError) as exc:
            return f"bad client assertion: {exc!r}"
        if claims["sub"] != self.client_id:
            return "sub is not the client id"
        if claims["exp"] > time.time() + 3600:
            return "the assertion lives too long"
        with self._lock:
            if claims["jti"] in self._jtis:
                return "jti used before"
            self._jtis.add(claims["jti"])
            self.assertion_kids.append(kid)
        return None

    def key_for(self, kid: str):
        """Return the tool's key; with a keyset URL, fetch it again only for an unknown kid.

        As platforms do: the keyset is cached, and a fresh copy replaces it whole, so a key
        the tool has retired is forgotten at the next fetch.
        """
        if kid not in self.keys and self.jwks_url:
            fetched = requests.get(self.jwks_url, timeout=5).json()
            with self._lock:
                self.jwks_fetches += 1
                self.keys = {k["kid"]: jwt.PyJWK(k) for k in fetched["keys"]}
        return self.keys[kid]

    def score(self, number: int, headers, raw: bytes) -> tuple[int, dict, object]:
        """Answer a score post: check token, type and body; follow the script; record it."""
        with self._lock:
            self.score_posts += 1
            authorised = headers.get("Authorization", "").removeprefix("Bearer ") in self._tokens
        if not authorised:
            self.refusals.append("score posted without a valid token")
            return 401, {}, {"error": "invalid_token"}
        if headers.get("Content-Type") != SCORE_TYPE:
            self.refusals.append(f"content type {headers.get('Content-Type')}")
            return 415, {}, {"error": "unsupported media type"}
        body = json.loads(raw)
        if any(field not in body for field in REQUIRED):
            self.refusals.append(f"score without {REQUIRED}: {body}")
            return 400, {}, {"error": "incomplete score"}
        with self._lock:
            step = self.script.pop(0) if self.script else None
        if step is not None:
            kind, *rest = step
            if kind == "stall":
                time.sleep(rest[0])
                return 200, {}, {}
            if kind == "revoke":
                with self._lock:
                    self._tokens.clear()
                return 401, {}, {"error": "token revoked"}
            status, extra_headers, answer = rest[0], rest[1] if len(rest) > 1 else {}, rest[2:]
            return status, extra_headers, answer[0] if answer else {"status": status}
        with self._lock:
            self.scores.append({**body, "lineitem": number})
        return 200, {}, {}

    def _handler(self):
        gradebook = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                self.do_POST()

            def do_POST(self):  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                found = SCORE_PATH.match(parts.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == CONTAINER_PATH and query.get("type_id") == "1":
                    status, extra, answer = gradebook.container(
                        self.command, query, self.headers, raw
                    )
                elif self.command != "POST":
                    status, extra, answer = 404, {}, {"error": f"no such path {self.path}"}
                elif parts.path == "/token":
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    status, answer = gradebook.grant(form)
                    extra = {}
                elif found and parts.query == "type_id=1":
                    status, extra, answer = gradebook.score(int(found[1]), self.headers, raw)
                else:
                    status, extra, answer = 404, {}, {"error": f"no such path {self.path}"}
                body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        return Handler
