"""Invitation emails: queued in the invitation's transaction, sent over SMTP through `xapi.queue`.

The learner never sees a rater's link: leadpath mails it to the address the learner gave. A
row of `feedback_mail` is leased, handed to the SMTP server (`LEADPATH_SMTP_URL`, STARTTLS
whenever the server offers it) and settled: accepted rows are marked sent and their body and
address cleared; a permanent refusal (a 5xx reply) dead-letters the row with the server's
answer; anything else (connection refused, a 4xx, a timeout) keeps it pending with the core's
jittered exponential backoff. A withdrawn invitation's unsent mail is never sent.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.assess.models import FeedbackMail
from xapi.queue import (
    Backoff,
    LeaseTokens,
    Leasing,
    QueueTable,
    SenderConfig,
    Worker,
    settle,
    utcnow,
)
from xapi.queue.lease import connection_of

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

PENDING, SENT, DEAD, WITHDRAWN = "pending", "sent", "dead", "withdrawn"

_m = FeedbackMail.__table__.c
MAILS = QueueTable(
    table=FeedbackMail.__table__,
    id=_m.id,
    order=_m.id,
    key=_m.invitation_id,
    status=_m.status,
    token=_m.lease_owner,
    until=_m.leased_until,
    due=_m.next_attempt_at,
    attempts=_m.attempts,
    error=_m.last_error,
    pending=PENDING,
    done=SENT,
    dead=DEAD,
)


class LeasedMail(NamedTuple):
    """A leased mail, as the sender needs it outside the leasing transaction."""

    id: int
    order: int
    invitation_id: str
    to_address: str
    subject: str
    body: str
    attempts: int


def _leasing(postgresql: bool) -> Leasing:
    return Leasing(
        MAILS,
        postgresql=postgresql,
        returning=(_m.to_address, _m.subject, _m.body, _m.attempts),
        make=LeasedMail._make,
        heads_only=True,
    )


_LEASING = {False: _leasing(False), True: _leasing(True)}


def queue_mail(session: Session, invitation_id: str, to: str, subject: str, body: str) -> None:
    """Queue one invitation email in the caller's transaction."""
    now = utcnow()
    session.add(
        FeedbackMail(
            invitation_id=invitation_id,
            to_address=to,
            subject=subject,
            body=body,
            status=PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
    )


def withdraw_mail(session: Session, invitation_id: str) -> None:
    """Stop an invitation's unsent mail from being sent, and drop its link."""
    session.execute(
        update(FeedbackMail)
        .where(FeedbackMail.invitation_id == invitation_id, FeedbackMail.status == PENDING)
        .values(status=WITHDRAWN, body="", lease_owner=None, leased_until=None)
    )


@dataclass(frozen=True)
class SmtpServer:
    """Where and as whom leadpath sends mail: `smtp://[user:password@]host[:port]` or `smtps://`."""

    url: str
    sender: str
    reply_to: str | None = None
    timeout: float = 30.0

    def send(self, to: str, subject: str, body: str) -> None:
        """Hand one message to the server; raises `smtplib.SMTPException` or `OSError`."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("LEADPATH_SMTP_URL must look like smtp://host:port")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        context = ssl.create_default_context()
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(
                parts.hostname, parts.port or 465, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=self.timeout)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)


def smtp_server(settings) -> SmtpServer | None:
    """Return the configured SMTP server, or None when `LEADPATH_SMTP_URL` is not set."""
    if not settings.smtp_url:
        return None
    return SmtpServer(
        settings.smtp_url, settings.mail_from, settings.mail_reply_to, settings.http_timeout
    )


def _permanent(exc: Exception) -> bool:
    """Return True for a refusal that retrying cannot fix (a 5xx reply to the message)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return (
        isinstance(code, int)
        and code >= 500
        and not isinstance(exc, smtplib.SMTPAuthenticationError)
    )


def _reason(exc: Exception) -> str:
    """Describe a failure without the message or its address."""
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}" + (f": SMTP {code}" if code else f": {exc}"[:200])


class MailSender(Worker):
    """Send queued invitation emails; `send_due()` until none is due, `start()` as a thread."""

    thread_name = "leadpath-mail"

    def __init__(self, sessions: sessionmaker[Session], server: SmtpServer, config: SenderConfig):
        super().__init__()
        self.sessions = sessions
        self.server = server
        self.config = config
        self.lease_tokens = LeaseTokens()
        self.backoff = Backoff(config.backoff_seconds, config.backoff_max_seconds)

    def run_once(self) -> Counter:
        """Lease one batch of due mails, send them and settle each; count outcomes by kind."""
        token = self.lease_tokens.new()
        with self.sessions.begin() as session:
            postgresql = connection_of(session).dialect.name == "postgresql"
            lease = _LEASING[postgresql].lease(
                session,
                token=token,
                batch_size=self.config.batch_size,
                lease_seconds=self.config.lease_seconds,
            )
        if lease is None:
            return Counter()
        outcomes = Counter()
        for row in lease.rows:
            try:
                self.server.send(row.to_address, row.subject, row.body)
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                kind = "dead" if _permanent(exc) else "retry"
                self._failed(token, row, exc, kind)
            else:
                kind = "sent"
                with self.sessions.begin() as session:
                    settle.done(
                        session, MAILS, row.id, token, body="", to_address="", sent_at=utcnow()
                    )
            outcomes[kind] += 1
        return outcomes

    def _failed(self, token: str, row: LeasedMail, exc: Exception, kind: str) -> None:
        reason = _reason(exc)
        with self.sessions.begin() as session:
            if kind == "dead":
                settle.dead(session, MAILS, row.id, token, reason, body="")
                log.warning("Invitation mail %s refused for good (%s)", row.id, reason)
            else:
                delay = self.backoff.delay(row.attempts)
                when = utcnow() + timedelta(seconds=delay)
                settle.retry(session, MAILS, [row.id], token, reason, when)
                log.info("Invitation mail %s not sent (%s); retry in %.1fs", row.id, reason, delay)

    def send_due(self, max_batches: int = 100) -> Counter:
        """Send batches until no mail is due; count outcomes by kind."""
        total: Counter = Counter()
        for _ in range(max_batches):
            done = self.run_once()
            if not done:
                break
            total.update(done)
        return total

    def run(self) -> None:
        """Send until `stop()`, waiting `poll_seconds` whenever a batch was not full."""
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                done = sum(self.run_once().values())
            except Exception:  # noqa: BLE001 - a database hiccup must not end sending
                log.exception("Invitation mail pass failed; retrying")
                done = 0
            if done < self.config.batch_size:
                self._stop.wait(max(0.0, self.config.poll_seconds - (time.monotonic() - started)))


def mail_sender(settings, sessions: sessionmaker[Session]) -> MailSender | None:
    """Return the invitation mail sender the settings ask for, or None without an SMTP server."""
    server = smtp_server(settings)
    if server is None:
        return None
    config = SenderConfig(**SenderConfig.settings_values(settings, "forwarder_"))
    return MailSender(sessions, server, config)
