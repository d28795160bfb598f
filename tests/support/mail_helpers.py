"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and the mail sender."""

from __future__ import annotations

import email
import re
import socket
import threading
from email.message import Message

from aiosmtpd.controller import Controller

from lti_tool.assess.feedback_mail import MailSender, SmtpServer
from xapi.queue import SenderConfig

SENDER = "leadpath@example.test"
REPLY_TO = "leadership-team@example.test"


class Inbox:
    """The aiosmtpd handler: every accepted message, by recipient; `refuse` makes it say 5xx/4xx."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.refuse: str | None = None  # an SMTP reply such as "550 no such user"
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return self.refuse
        with self.lock:
            message = email.message_from_bytes(envelope.content)
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        """Return the messages received for one address, oldest first."""
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]


class _Server:
    def __init__(self) -> None:
        self.inbox = Inbox()
        with socket.socket() as probe:  # aiosmtpd checks its server by connecting to the port
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


_server: _Server | None = None


def smtp() -> _Server:
    """Return the test process's SMTP server on loopback, starting it once."""
    global _server
    if _server is None:
        _server = _Server()
    return _server


def sender(sessions, url: str | None = None, **config) -> MailSender:
    """Return a mail sender to the loopback server (or `url`), with a short backoff."""
    server = SmtpServer(url or smtp().url, SENDER, REPLY_TO, timeout=5)
    return MailSender(sessions, server, SenderConfig(**{"backoff_seconds": 0.01, **config}))


def deliver(app) -> None:
    """Send every due invitation email of `app`'s database to the loopback server."""
    from lti_tool.db import EXTENSION_KEY

    sender(app.extensions[EXTENSION_KEY].sessions).send_due()


def link_in(message: Message) -> str:
    """Return the rater's token from an invitation email."""
    body = message.get_payload(decode=True).decode()
    return re.search(r"/feedback/r/([A-Za-z0-9_-]+)", body).group(1)


def mailed_link(db, address: str) -> str:
    """Send the due invitation emails; return the path of the last link mailed to `address`."""
    sender(db.sessions).send_due()
    return "/feedback/r/" + link_in(smtp().inbox.to(address)[-1])
