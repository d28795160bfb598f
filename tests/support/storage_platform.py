"""A platform on 127.0.0.1 that frames the tool and offers LTI Platform Storage, for chromium.

Its course page frames the tool's login, and beside it a storage frame named
`post_message_forwarding` on the platform's own origin. As the 1EdTech "Client Side
postMessages" and "Platform Storage" specifications describe, the course page answers
`lti.capabilities` (naming that frame for `lti.put_data` and `lti.get_data`), and the frame
keeps values per sending origin and answers to the sender's origin. Its OIDC authentication
endpoint signs an id_token with the login's nonce and posts it, with the state and
`lti_storage_target`, to the tool's redirect URI.

`mode` scripts the platform: "storage" (all of the above), "none" (no `lti_storage_target`),
"silent" (offers a storage target but never answers) and "tamper" (the frame answers
`lti.get_data` with a value of its own).
"""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.lti_helpers import LTI, TestPlatform, new_key

FRAME = "post_message_forwarding"

_COURSE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Platform course</title></head>
<body><h1>Leadership 101</h1>
<iframe name="{frame}" title="platform storage" src="/storage-frame?mode={mode}"></iframe>
<iframe name="tool" title="leadpath" src="{login}" width="900" height="700"></iframe>
<script>
window.storageLog = [];
window.addEventListener("message", function (event) {{
  var data = event.data;
  if (!data || data.subject !== "lti.capabilities" || "{mode}" === "silent") {{ return; }}
  window.storageLog.push({{subject: data.subject, origin: event.origin}});
  event.source.postMessage({{
    subject: "lti.capabilities.response",
    message_id: data.message_id,
    supported_messages: [
      {{subject: "lti.capabilities"}},
      {{subject: "lti.put_data", frame: "{frame}"}},
      {{subject: "lti.get_data", frame: "{frame}"}}
    ]
  }}, event.origin);
}});
</script></body></html>
"""

_STORAGE_FRAME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>storage</title></head><body><script>
var stored = {{}};
window.addEventListener("message", function (event) {{
  var data = event.data;
  if (!data || typeof data !== "object" || "{mode}" === "silent") {{ return; }}
  var mine = stored[event.origin] = stored[event.origin] || {{}};
  var reply = {{subject: data.subject + ".response", message_id: data.message_id}};
  if (data.subject === "lti.put_data") {{
    mine[data.key] = data.value;
    reply.key = data.key;
    reply.value = data.value;
  }} else if (data.subject === "lti.get_data") {{
    reply.key = data.key;
    if ("{mode}" === "tamper") {{
      reply.value = "a value of another login";
    }} else if (Object.prototype.hasOwnProperty.call(mine, data.key)) {{
      reply.value = mine[data.key];
    }} else {{
      reply.error = {{code: "bad_request", message: "There is no value stored for this key"}};
    }}
  }} else {{
    reply.error = {{code: "unsupported_subject", message: "Not supported: " + data.subject}};
  }}
  window.parent.storageLog.push({{subject: data.subject, key: data.key, origin: event.origin}});
  event.source.postMessage(reply, event.origin);
}});
</script></body></html>
"""

_AUTO_POST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in</title></head><body>
<form id="launch" method="post" action="{action}">{fields}</form>
<script>document.getElementById("launch").submit();</script></body></html>
"""


class StoragePlatform:
    """The stand-in platform; use as a context manager, then `register(db)`."""

    def __init__(self, unique: str, tool_base: str):
        self.tool_base = tool_base
        self.auth_requests: list[dict] = []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                mode = query.get("mode", "storage")
                if url.path == "/course":
                    body = _COURSE_PAGE.format(
                        frame=FRAME, mode=mode, login=html.escape(platform.login_url(mode))
                    )
                elif url.path == "/storage-frame":
                    body = _STORAGE_FRAME.format(mode=mode)
                elif url.path == "/auth":
                    body = platform.authenticate(query)
                else:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        key, jwk = new_key()
        self.signer = TestPlatform(self.origin, f"client-{unique}", f"dep-{unique}", key, jwk)

    def register(self, db) -> StoragePlatform:
        """Register this platform with leadpath (its authentication URL is `{origin}/auth`)."""
        self.signer.register(db)
        return self

    def course_url(self, mode: str) -> str:
        """Return the course page that frames the tool, with the platform scripted by `mode`."""
        return f"{self.origin}/course?mode={mode}"

    def login_url(self, mode: str) -> str:
        """Return the tool's login initiation URL as this platform sends it."""
        query = {
            "iss": self.origin,
            "login_hint": "storage-learner",
            "target_link_uri": self.tool_base + "/lti/launch",
            "client_id": self.signer.client_id,
            "lti_deployment_id": self.signer.deployment_id,
        }
        if mode != "none":
            query["lti_storage_target"] = FRAME
        return self.tool_base + "/lti/login?" + urlencode(query)

    def authenticate(self, query: dict) -> str:
        """Answer the OIDC authentication request with an auto-posting signed id_token."""
        self.auth_requests.append(query)
        assert query["redirect_uri"] == self.tool_base + "/lti/launch", query
        claims = self.signer.claims(
            query["nonce"],
            sub="storage-learner",
            **{LTI + "target_link_uri": self.tool_base + "/lti/launch"},
        )
        fields = {"id_token": self.signer.sign(claims), "state": query["state"]}
        fields["lti_storage_target"] = FRAME
        inputs = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in fields.items()
        )
        return _AUTO_POST.format(action=html.escape(query["redirect_uri"]), fields=inputs)

    def __enter__(self) -> StoragePlatform:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def storage_log(page) -> list[dict]:
    """Return the postMessages the platform answered, as the course page recorded them."""
    return json.loads(page.evaluate("JSON.stringify(window.storageLog)"))
