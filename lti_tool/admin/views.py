"""The statement browser: filter, page through, read as JSON, download as CSV or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, current_app, render_template, request, stream_with_context

from lti_tool.admin.auth import admin_required, bp
from lti_tool.errors import UserFacingError
from xapi.lrs import StatementQuery, formats, get_statement, query_statements, transfer
from xapi.lrs import validate_parts as p
from xapi.lrs.errors import Invalid
from xapi.outbox import alerts

PAGE = 50
FILTERS = ("learner", "verb", "activity", "course", "registration", "from", "to")


def _engine():
    return current_app.extensions["leadpath.db"].engine


def _day(name: str, value: str, end: bool) -> int:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UserFacingError(f"The {name} date must look like 2024-05-01.") from None
    moment = datetime.combine(day + timedelta(days=1) if end else day, time(), UTC)
    return formats.to_micros(moment) - (1 if end else 0)


def build_query(args) -> tuple[StatementQuery, dict]:
    """Return the storage query of the browser's filters; a bad filter is a 400 sentence."""
    values = {k: args.get(k, "").strip() for k in FILTERS}
    q = StatementQuery(learner=values["learner"] or None, related_activities=True)
    try:
        if values["verb"]:
            q.verb = p.iri(values["verb"], "Verb")
        if values["activity"]:
            q.activity = p.iri(values["activity"], "Activity")
        if values["course"]:
            q.course = p.iri(values["course"], "Course")
        if values["registration"]:
            q.registration = p.uuid(values["registration"], "Registration")
    except Invalid as exc:
        raise UserFacingError(exc.message.replace(": must", " must")) from None
    if values["from"]:
        q.since_us = _day("from", values["from"], end=False) - 1
    if values["to"]:
        q.until_us = _day("to", values["to"], end=True)
    return q, {k: v for k, v in values.items() if v}


def _summary(statement: dict) -> dict:
    actor = statement["actor"]
    display = statement["verb"].get("display") or {}
    obj = statement["object"]
    name = (obj.get("definition") or {}).get("name") or {}
    return {
        "id": statement["id"],
        "stored": statement["stored"][:19].replace("T", " "),
        "learner": actor.get("name")
        or (actor.get("account") or {}).get("name")
        or actor.get("mbox", ""),
        "verb": next(iter(display.values()), statement["verb"]["id"]),
        "object": next(iter(name.values()), obj.get("id", obj.get("objectType"))),
    }


@bp.route("/lrs")
@admin_required
def browse():
    """List statements matching the filters, newest first, a page at a time."""
    q, active = build_query(request.args)
    q.limit = PAGE
    after = request.args.get("after", "")
    if after:
        try:
            stored, seq = (int(x) for x in after.split(":"))
        except ValueError:
            raise UserFacingError("The page link is damaged; go back to the first page.") from None
        q.after = (stored, seq)
    page = query_statements(_engine(), q)
    rows = [_summary(s) for s in page.statements()]
    next_after = f"{page.next_after[0]}:{page.next_after[1]}" if page.next_after else None
    with current_app.extensions["leadpath.db"].sessions() as session:
        outbox_alerts = alerts(session)
    return render_template(
        "admin/browser.html",
        rows=rows,
        filters=active,
        next_after=next_after,
        first_page=not after,
        outbox_alerts=outbox_alerts,
    )


@bp.route("/lrs/statements/<statement_id>")
@admin_required
def statement(statement_id: str):
    """Show one statement as JSON."""
    found = get_statement(_engine(), statement_id) if formats.is_uuid(statement_id) else None
    if found is None:
        raise UserFacingError("No statement has this id.", status=404, code="not_found")
    text = json.dumps(found[0], indent=2, ensure_ascii=False)
    return render_template(
        "admin/statement.html", statement_id=statement_id, text=text, voided=found[1]
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
    q, _ = build_query(request.args)

    def generate():
        if fmt == "jsonl":
            for statement in _all_matching(q):
                yield json.dumps(statement, ensure_ascii=False) + "\n"
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(transfer.CSV_HEADER)
        for statement in _all_matching(q):
            writer.writerow(transfer.csv_row(statement))
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
