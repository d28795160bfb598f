"""The programme lead's pages: `/programme`, its CSV, and a trainee's visible records.

A launch session whose platform identity leads a programme opens them; anybody else gets a 403
that says how access is given. A trainee's records made outside the programme's scope appear
only when the trainee agreed to share their linked history.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from lti_tool.db import get_session
from lti_tool.errors import UserFacingError
from lti_tool.models import Course, Platform
from lti_tool.paging import page_number
from lti_tool.programmes import service
from lti_tool.programmes.figures import CSV_HEADER, ProgrammeOverview, programme_overview
from lti_tool.programmes.models import Programme
from lti_tool.sessions import current_launch, launch_required, launch_url
from lti_tool.spreadsheet import csv_text

bp = Blueprint("programme", __name__, url_prefix="/programme")
PAGE_SIZE = 50  # trainees per page; the figures and the CSV cover them all


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def led_programme() -> tuple[Programme, list[Programme]]:
    """Return the programme asked for (`?programme=`) among those the launch's user leads."""
    launch = current_launch()
    user = launch.platform_user
    led = service.programmes_led_by(get_session(), user.issuer, user.sub)
    if not led:
        raise UserFacingError(
            "This page is for the leads of a training programme.",
            hint="An administrator grants access with `leadpath programme grant`, on the "
            "programmes admin page, or by an activity whose custom parameter programme= names "
            "the programme (opened as an instructor or administrator).",
            code="not_programme_lead",
            status=403,
            title="Not a programme lead",
        )
    wanted = request.values.get("programme") or (launch.claims or {}).get(
        "https://purl.imsglobal.org/spec/lti/claim/custom", {}
    ).get("programme")
    chosen = next((p for p in led if p.slug == wanted), None)
    if request.values.get("programme") and chosen is None:
        raise UserFacingError(
            "You do not lead that programme.",
            hint="Choose one of your programmes on the programme page.",
            code="not_programme_lead",
            status=403,
            title="Not your programme",
        )
    return chosen or led[0], led


def _filters() -> dict:
    """Return the filters asked for; a bad course number is refused with a sentence."""
    course = request.args.get("course") or None
    if course is not None and not course.isdigit():
        raise UserFacingError(
            "The course filter is not one of the programme's courses.",
            hint="Choose a course from the list on the programme page.",
            code="bad_filter",
        )
    return {
        "phase": request.args.get("phase") or None,
        "institution": request.args.get("institution") or None,
        "course": int(course) if course else None,
    }


def overview_for(programme: Programme, **filters) -> ProgrammeOverview:
    """Return the programme's figures with the app's overdue setting."""
    settings = current_app.config["LEADPATH"]
    return programme_overview(
        get_session(), programme, overdue_days=settings.programme_overdue_days, **filters
    )


@bp.get("")
@launch_required()
def index():
    """Show the programme's trainees: phase, standing, status, validations, progression."""
    programme, led = led_programme()
    filters = _filters()
    overview = overview_for(programme, **filters)
    number, pages = page_number(len(overview.trainees), PAGE_SIZE)
    kept = {"programme": programme.slug, **{k: v for k, v in filters.items() if v is not None}}
    return render_template(
        "programme/index.html",
        programme=programme,
        led=led,
        overview=overview,
        filters=filters,
        shown=overview.trainees[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
        first_shown=(number - 1) * PAGE_SIZE + 1,
        previous_url=launch_url("programme.index", page=number - 1, **kept) if number > 1 else None,
        next_url=launch_url("programme.index", page=number + 1, **kept) if number < pages else None,
        export_url=launch_url(
            "programme.export_csv",
            programme=programme.slug,
            **{k: v for k, v in filters.items() if v is not None},
        ),
    )


@bp.get("/export.csv")
@launch_required()
def export_csv():
    """Download the trainees as the programme page shows them (filters applied)."""
    programme, _ = led_programme()
    overview = overview_for(programme, **_filters())
    return Response(
        csv_text(CSV_HEADER, overview.csv_rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{programme.slug}-trainees.csv"'},
    )


@bp.get("/trainees/<learner_id>")
@launch_required()
def trainee(learner_id: str):
    """Show a trainee's records the programme may see, with where each was made."""
    programme, _ = led_programme()
    overview = overview_for(programme)
    found = next((t for t in overview.trainees if t.learner_id == learner_id), None)
    if found is None:
        raise UserFacingError(
            "There is no such trainee in this programme.",
            hint="Open the trainee from the programme page.",
            code="not_found",
            status=404,
            title="Not found",
        )
    session = get_session()
    course_ids = {v.course_id for v in found.visits if v.course_id}
    courses = {c.id: c for c in session.query(Course).filter(Course.id.in_(course_ids))}
    names = dict(session.query(Platform.issuer, Platform.name).all())
    journey = "journey.index" in current_app.view_functions
    return render_template(
        "programme/trainee.html",
        programme=programme,
        trainee=found,
        courses=courses,
        names=names,
        journey_url=launch_url("journey.index", learner=learner_id) if journey else None,
    )
