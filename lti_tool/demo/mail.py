"""The demo's SMTP sink: invitation emails land in a Maildir under the data directory.

`leadpath serve` in demo mode without `LEADPATH_SMTP_URL` starts this sink (aiosmtpd on a free
loopback port) and points the mail senders at it, so the demo's raters' links can be read at
`/demo/mail` instead of going out to anyone.
"""

from __future__ import annotations

import mailbox
import socket
from email import message_from_bytes, policy
from pathlib import Path

MAILDIR = "demo-mail"


class _Sink:
    def __init__(self, root: Path) -> None:
        self.root = root

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        mailbox.Maildir(self.root, create=True).add(envelope.content)
        return "250 Kept for the demo"


def start_sink(data_dir: Path):
    """Start the sink in a thread of this process; return its `smtp://` URL."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Sink(data_dir / MAILDIR), hostname="127.0.0.1", port=port)
    controller.start()
    return f"smtp://127.0.0.1:{port}"


def received(data_dir: Path, limit: int = 50) -> list[dict]:
    """Return the newest mails the sink kept (to, subject, date, text), newest first."""
    root = data_dir / MAILDIR
    if not root.exists():
        return []
    box = mailbox.Maildir(root, create=False)
    mails = []
    for key in box.keys():
        message = message_from_bytes(box.get_bytes(key), policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        mails.append(
            {
                "to": message["To"],
                "subject": message["Subject"],
                "date": message["Date"] or "",
                "text": body.get_content() if body else "",
                "time": (root / "new" / key).stat().st_mtime
                if (root / "new" / key).exists()
                else 0,
            }
        )
    mails.sort(key=lambda m: m["time"], reverse=True)
    return mails[:limit]
