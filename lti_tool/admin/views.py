"""The statement browser: filter, count, chart, page through, read, download as CSV or JSONL."""

from __future__ import annotations

import io
import json

from flask import Response, current_app, render_template, request, stream_with_context, url_for
from sqlalchemy import select

from lti_tool.admin import charts
from lti_tool.admin.auth import admin_required, bp
from lti_tool.admin.filters import FIELDS, read_filters, stored_verbs
from lti_tool.errors import UserFacingError
from lti_tool.spreadsheet import SafeCsvWriter
from xapi.lrs import StatementQuery, formats, get_statement, query_statements, transfer
from xapi.lrs.browse import count_matching, display_text, figures, voided_among
from xapi.lrs.formats import whole_number
from xapi.outbox import alerts

PAGE = 50


def _engine():
    return current_app.extensions["leadpath.db"].engine


def _names(accounts: set[str]) -> dict[str, str]:
    """Return the names leadpath holds for learner accounts (learner ids)."""
    from lti_tool.db import get_session
    from lti_tool.models import PlatformUser

    if not accounts:
        return {}
    rows = get_session().scalars(select(PlatformUser).where(PlatformUser.learner_id.in_(accounts)))
    return {u.learner_id: u.display_name for u in rows if u.display_name != "there"}


def _summary(statement: dict, names: dict[str, str]) -> dict:
    actor = statement["actor"]
    account = (actor.get("account") or {}).get("name")
    obj = statement["object"]
    name = (obj.get("definition") or {}).get("name")
    return {
        "id": statement["id"],
        "stored": statement["stored"][:19].replace("T", " "),
        "account": account,
        "learner": actor.get("name") or names.get(account) or account or actor.get("mbox", ""),
        "verb": display_text(statement["verb"].get("display"), statement["verb"]["id"]),
        "object": display_text(name, obj.get("id", obj.get("objectType", ""))),
    }


def _after(raw: str) -> tuple[int, int] | None:
    if not raw:
        return None
    parts = [whole_number(x) for x in raw.split(":")]
    if len(parts) != 2 or None in parts:
        raise UserFacingError("The page link is damaged; go back to the first page.")
    return parts[0], parts[1]


def _picker(fig) -> list[tuple[str, str, int]]:
    """Return the verbs to pick from: those stored (cached a minute) and those matching now."""
    verbs = {vid: (vid, label, n) for vid, label, n in stored_verbs(_engine())}
    for vid, label, n in fig.per_verb if fig else []:
        verbs.setdefault(vid, (vid, label, n))
    return sorted(verbs.values(), key=lambda v: v[1].lower())


@bp.route("/lrs")
@admin_required
def browse():
    """List statements matching the filters, newest first, with their count and charts."""
    f = read_filters(request.args)
    after = _after(request.args.get("after", ""))
    rows, next_after, total, fig = [], None, 0, None
    if f.answerable:
        f.query.limit = PAGE
        f.query.after = after
        page = query_statements(_engine(), f.query)
        found = page.statements()
        accounts = {(s["actor"].get("account") or {}).get("name") for s in found} - {None}
        names = _names(accounts)
        rows = [_summary(s, names) for s in found]
        if f.query.include_voided:
            voided = voided_among(_engine(), [r["id"] for r in rows])
            for row in rows:
                row["voided"] = row["id"].lower() in voided
        next_after = f"{page.next_after[0]}:{page.next_after[1]}" if page.next_after else None
        f.query.after = None
        total = count_matching(_engine(), f.query)
        fig = figures(_engine(), f.query)
    unit, over_time = charts.buckets(fig.per_day if fig else [])
    with current_app.extensions["leadpath.db"].sessions() as session:
        outbox_alerts = alerts(session)
    status = 400 if f.errors else 200
    return render_template(
        "admin/browser.html",
        f=f,
        rows=rows,
        total=total,
        fig=fig,
        unit=unit,
        over_time=over_time,
        bucket_label=charts.bucket_label,
        over_time_chart=charts.over_time_svg(unit, over_time) if fig else None,
        per_verb_chart=charts.per_verb_svg(fig.per_verb) if fig else None,
        verbs=_picker(fig),
        filters=f.values,
        next_after=next_after,
        first_page=after is None,
        outbox_alerts=outbox_alerts,
    ), status


@bp.route("/lrs/statements/<statement_id>")
@admin_required
def statement(statement_id: str):
    """Show one statement: its main facts with links to related statements, then its JSON."""
    found = get_statement(_engine(), statement_id) if formats.is_uuid(statement_id) else None
    if found is None:
        raise UserFacingError("No statement has this id.", status=404, code="not_found")
    body, voided = found
    account = (body["actor"].get("account") or {}).get("name")
    context = body.get("context") or {}
    grouping = (context.get("contextActivities") or {}).get("grouping") or []
    obj = body["object"]
    links = {
        "learner": url_for("admin.browse", learner=account) if account else None,
        "registration": (
            url_for("admin.browse", registration=context["registration"], voided=1)
            if context.get("registration")
            else None
        ),
        "activity": (
            url_for("admin.browse", activity=obj["id"])
            if obj.get("objectType", "Activity") == "Activity"
            else None
        ),
        "course": url_for("admin.browse", course=grouping[0]["id"]) if grouping else None,
    }
    return render_template(
        "admin/statement.html",
        statement_id=statement_id,
        body=body,
        summary=_summary(body, _names({account} if account else set())),
        text=json.dumps(body, indent=2, ensure_ascii=False),
        voided=voided,
        links=links,
        registration=context.get("registration"),
        course=grouping[0]["id"] if grouping else None,
    )


def _all_matching(q: StatementQuery):
    q.limit = 500
    while True:
        page = query_statements(_engine(), q)
        yield from page.statements()
        if page.next_after is None:
            return
        q.after = page.next_after


@bp.route("/lrs/export.<fmt>")
@admin_required
def download(fmt: str):
    """Download every statement matching the filters as CSV or JSON lines."""
    if fmt not in {"csv", "jsonl"}:
        raise UserFacingError("Downloads are CSV or JSONL.", status=404, code="not_found")
    f = read_filters(request.args)
    if not f.answerable:
        problems = list(f.errors.values()) or [
            "A filter matches several things; choose one on the statements page first."
        ]
        raise UserFacingError(" ".join(problems), code="bad_filter")
    q = f.query

    def generate():
        if fmt == "jsonl":
            for found in _all_matching(q):
                yield json.dumps(found, ensure_ascii=False) + "\n"
            return
        buffer = io.StringIO()
        writer = SafeCsvWriter(buffer)
        writer.writerow(transfer.CSV_HEADER)
        for found in _all_matching(q):
            writer.writerow(transfer.csv_row(found))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return Response(
        stream_with_context(generate()),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="statements.{fmt}"'},
    )


__all__ = ["FIELDS", "browse", "download", "statement"]
