"""Gradebook columns leadpath makes itself, in a platform's line item container (AGS 2.0).

When a launch carries the container's `lineitems` URL but no `lineitem`, an activity set to
grade still gets its column: before sending the first score the sender looks for a line item
with the activity's resourceId (`GET {lineitems}?resource_id=…`) and makes one only when there
is none (`POST {lineitems}`). The column's URL is then kept in `grade_line_item`. Making it is
claimed by one sender at a time (a row with `creating_until`), so two senders sending scores of
two learners at once make one column, not two; and the lookup by resourceId finds a column
made by a sender that died before it could record it, after any restart.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.grades.models import GradeLineItem
from lti_tool.grades.queue import LINEITEM_SCOPE, SCORE_SCOPE
from lti_tool.grades.token import TokenClient, TokenError, TokenTarget
from xapi.queue import TEXT_LIMIT, utcnow

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
CLAIM_SECONDS = 60  # how long one sender may take to make a column before another may
SCOPES = (SCORE_SCOPE, LINEITEM_SCOPE)
_T = GradeLineItem.__table__
_COLUMN_FIELDS = (
    "scoreMaximum",
    "label",
    "resourceId",
    "resourceLinkId",
    "tag",
    "submissionReview",
)


class ColumnNotReady(Exception):
    """No column URL yet: `status` None while another sender makes it (wait, not a failure)."""

    def __init__(self, message: str, status: int | None = None, retry_after=None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def column_key(platform_id: int, spec: dict) -> str:
    """Return the key of one column: the platform, its container and the resourceId."""
    raw = f"{platform_id}\n{spec['lineitems']}\n{spec['resourceId']}"
    return hashlib.sha256(raw.encode()).hexdigest()


def with_query(url: str, **params: str) -> str:
    """Return url with params added to its query (Moodle's container URL has one already)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


class LineItems:
    """Find or make the gradebook column a score without a `lineitem` goes to."""

    def __init__(self, sessions: sessionmaker[Session], http, tokens: TokenClient, timeout: tuple):
        self.sessions = sessions
        self.http = http
        self.tokens = tokens
        self.timeout = timeout

    def url_for(self, target: TokenTarget, spec: dict) -> str:
        """Return the column's line item URL, finding or making it; else raise ColumnNotReady."""
        key = column_key(target.platform_id, spec)
        with self.sessions() as session:
            known = session.scalar(select(_T.c.lineitem).where(_T.c.key == key))
        if known:
            return known
        found = self._find(target, spec)
        if found:
            self._record(key, target.platform_id, spec, found)
            return found
        self._claim(key, target.platform_id, spec)
        try:
            made = self._make(target, spec)
        except BaseException:
            with self.sessions.begin() as session:
                session.execute(update(_T).where(_T.c.key == key).values(creating_until=None))
            raise
        self._record(key, target.platform_id, spec, made)
        return made

    def _request(self, target: TokenTarget, method: str, url: str, **options):
        try:
            token = self.tokens.token(target, SCOPES)
        except TokenError as exc:
            raise ColumnNotReady(str(exc), exc.status or 0, exc.retry_after) from None
        headers = {"Authorization": f"Bearer {token}", **options.pop("headers", {})}
        try:
            return self.http.request(method, url, headers=headers, timeout=self.timeout, **options)
        except requests.RequestException as exc:
            raise ColumnNotReady(f"{type(exc).__name__}: {exc}", 0) from None

    def _find(self, target: TokenTarget, spec: dict) -> str | None:
        url = with_query(spec["lineitems"], resource_id=spec["resourceId"])
        response = self._request(target, "GET", url, headers={"Accept": CONTAINER_TYPE})
        if response.status_code != 200:
            raise ColumnNotReady(
                f"looking up the gradebook column answered HTTP {response.status_code}: "
                f"{response.text[:TEXT_LIMIT]}",
                response.status_code,
            )
        try:
            items = response.json()
        except ValueError:
            items = None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("resourceId") == spec["resourceId"]:
                if isinstance(item.get("id"), str) and item["id"]:
                    return item["id"]
        return None

    def _make(self, target: TokenTarget, spec: dict) -> str:
        body = {name: spec[name] for name in _COLUMN_FIELDS if spec.get(name) is not None}
        response = self._request(
            target,
            "POST",
            spec["lineitems"],
            json=body,
            headers={"Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE},
        )
        text = response.text[:TEXT_LIMIT]
        if response.status_code not in (200, 201):
            raise ColumnNotReady(
                f"making the gradebook column answered HTTP {response.status_code}: {text}",
                response.status_code,
            )
        try:
            made = response.json().get("id")
        except (ValueError, AttributeError):
            made = None
        if not isinstance(made, str) or not made:
            raise ColumnNotReady(f"the new gradebook column has no id: {text}", 502)
        return made

    def _claim(self, key: str, platform_id: int, spec: dict) -> None:
        """Take the making of this column for CLAIM_SECONDS, or raise ColumnNotReady."""
        now = utcnow()
        until = now + timedelta(seconds=CLAIM_SECONDS)
        try:
            with self.sessions.begin() as session:
                session.execute(
                    insert(_T).values(
                        key=key,
                        platform_id=platform_id,
                        lineitems=spec["lineitems"][:2048],
                        resource_id=spec["resourceId"],
                        creating_until=until,
                        created_at=now,
                    )
                )
            return
        except IntegrityError:
            pass
        with self.sessions.begin() as session:
            taken = session.execute(
                update(_T)
                .where(_T.c.key == key, _T.c.lineitem.is_(None))
                .where((_T.c.creating_until.is_(None)) | (_T.c.creating_until < now))
                .values(creating_until=until)
            ).rowcount
        if taken != 1:
            raise ColumnNotReady("another sender is making this gradebook column")

    def _record(self, key: str, platform_id: int, spec: dict, url: str) -> None:
        found = update(_T).where(_T.c.key == key).values(lineitem=url, creating_until=None)
        with self.sessions.begin() as session:
            if session.execute(found).rowcount:
                return
        try:
            with self.sessions.begin() as session:
                session.execute(
                    insert(_T).values(
                        key=key,
                        platform_id=platform_id,
                        lineitems=spec["lineitems"][:2048],
                        resource_id=spec["resourceId"],
                        lineitem=url,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:  # another sender recorded it first
            with self.sessions.begin() as session:
                session.execute(found)
