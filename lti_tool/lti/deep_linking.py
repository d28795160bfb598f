"""Deep linking: an instructor picks what a new activity delivers; leadpath returns a signed link.

The choice becomes the resource link's LTI custom parameters (`assessment`, `framework`,
`domains`, `career_phase`, and for a self-assessment `grade`: phase, stage or completion),
exactly what a hand-configured activity would carry. The Healthcare Leadership Model comes
first; the Leadership Framework (2011) is marked superseded; the curricula follow. A
self-assessment may also ask for a gradebook column: the link then carries a `lineItem`
(`scoreMaximum`, `label`, `resourceId`, `tag`, and `submissionReview` so the gradebook can open
a learner's attempt), which the platform makes and names in later launches; the same values go
into the custom parameters (`grade_maximum`, `grade_label`, `grade_resource_id`), so a
platform that ignores `lineItem` still gets the column, made by leadpath (grades/line_items.py).
"""

from __future__ import annotations

import uuid

import jwt
from flask import Blueprint, current_app, render_template, request
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from framework.grades import COMPLETION, PHASE, STAGE
from framework.phases import load_phases
from lti_tool.assess.framework_versions import current_version, framework_of
from lti_tool.db import get_session
from lti_tool.errors import UserFacingError
from lti_tool.grades.queue import COLUMN_TAG, MAX_POINTS, SUBMISSION_REVIEW
from lti_tool.headers import allow_form_target
from lti_tool.lti import claims as c
from lti_tool.lti.platform_urls import allowed as allowed_platform_url
from lti_tool.lti.registry import find_platform, to_registration
from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR
from lti_tool.sessions import current_launch, launch_required
from lti_tool.signing_keys import get_keys
from xapi.lrs.formats import whole_number

bp = Blueprint("deep_linking", __name__)
KINDS = {
    "self": "Leadership self-assessment",
    "360": "360 feedback",
    "validation": "Supervisor validation",
}
FRAMEWORKS = (
    "hlm-2013",
    "lf-2011",
    "mlcf-2010",
    "clcf-2011",
    "ukfp-2021",
    "gmc-gpc-2017",
    "gmc-ofg-2018",
)
GRADE_CHOICES = {
    PHASE: (
        "Against the career phase",
        "The share of elements that meet or exceed the stage the career phase expects "
        "(by stage where no phase is set or the framework's levels are not tied to roles).",
    ),
    STAGE: (
        "By stage reached",
        "Stage steps reached out of the highest stage in every element.",
    ),
    COMPLETION: ("For completion", "The share of elements answered."),
}


def _phase_choices() -> list[tuple[str, str]]:
    """Return (id, label) per career phase, each label naming its profession."""
    table = load_phases()
    out = []
    for phase in table.values():
        group = ", ".join(table.professions.get(p, p) for p in phase.professions)
        out.append((phase.id, f"{group or 'Any profession'}: {phase.title}"))
    return out


def _settings_claim() -> dict:
    launch = current_launch()
    settings = launch.claims.get(c.DEEP_LINKING_SETTINGS)
    if launch.claims.get(c.MESSAGE_TYPE) != c.DEEP_LINKING_REQUEST or not settings:
        raise UserFacingError(
            "This page answers a deep linking request from the LMS.",
            hint="Use 'Select content' when adding leadpath to a course.",
            code="not_deep_linking",
            status=400,
        )
    return settings


def _frameworks() -> dict:
    session = get_session()
    found = {}
    for framework_id in FRAMEWORKS:
        version = current_version(session, framework_id)
        if version is not None:
            found[framework_id] = framework_of(version)
    return found


def _choice(frameworks: dict) -> dict:
    form = request.form
    kind = form.get("assessment", "self")
    framework_id = form.get("framework", "lf-2011")
    phase = form.get("career_phase") or ""
    if kind not in KINDS:
        raise UserFacingError(
            f"'{kind}' is not an assessment leadpath offers.",
            hint="Choose self-assessment, 360 feedback or supervisor validation.",
            code="assessment_unknown",
        )
    if framework_id not in frameworks:
        raise UserFacingError(
            f"'{framework_id}' is not a framework leadpath holds.",
            hint="Choose one of the frameworks listed.",
            code="framework_unknown",
        )
    known_domains = [d.id for d in frameworks[framework_id].domains]
    domains = form.getlist(f"domains:{framework_id}") or form.getlist("domains")
    if unknown := [d for d in domains if d not in known_domains]:
        raise UserFacingError(
            f"Unknown domain(s): {', '.join(unknown)}.",
            hint="Tick domains from the list.",
            code="domain_unknown",
        )
    if phase and phase not in load_phases():
        raise UserFacingError(
            f"'{phase}' is not a career phase.",
            hint="Choose a career phase from the list.",
            code="phase_unknown",
        )
    grade = form.get("grade") or ""
    if grade and grade not in GRADE_CHOICES:
        raise UserFacingError(
            f"'{grade}' is not a way leadpath grades.",
            hint="Choose against the career phase, by stage reached, or for completion.",
            code="grade_unknown",
        )
    title = (form.get("title") or "").strip()[:255] or KINDS[kind]
    custom = {"assessment": kind, "framework": framework_id}
    if domains:
        custom["domains"] = ",".join(d for d in known_domains if d in domains)
    if phase:
        custom["career_phase"] = phase
    if grade and kind == "self":
        custom["grade"] = grade
    column = _column(kind, title) if form.get("gradebook_column") else None
    if column:
        custom.update(
            grade_maximum=str(column["scoreMaximum"]),
            grade_label=column["label"],
            grade_resource_id=column["resourceId"],
        )
    return {"title": title, "custom": custom, "column": column}


def _column(kind: str, title: str) -> dict:
    """Return the gradebook column the form asks for: points, label, a new resourceId."""
    if kind != "self":
        raise UserFacingError(
            f"A gradebook column needs a score, and {KINDS[kind].lower()} has none.",
            hint="Add the column to a leadership self-assessment, or untick 'Add a gradebook "
            "column'.",
            code="gradebook_column_unscored",
        )
    points = (request.form.get("score_maximum") or "100").strip()
    if not 1 <= (whole_number(points, 6) or 0) <= MAX_POINTS:
        raise UserFacingError(
            f"'{points}' is not a number of points leadpath can give a gradebook column.",
            hint=f"Give a whole number from 1 to {MAX_POINTS}, such as 100.",
            code="score_maximum_invalid",
        )
    label = (request.form.get("column_label") or "").strip()[:255] or title
    return {
        "scoreMaximum": int(points),
        "label": label,
        "resourceId": str(uuid.uuid4()),
        "tag": COLUMN_TAG,
    }


@bp.get("/lti/deep-link")
@launch_required(INSTRUCTOR, ADMINISTRATOR)
def choose():
    """Offer the instructor the activity's settings."""
    settings = _settings_claim()
    return render_template(
        "deep_link.html",
        frameworks=_frameworks(),
        kinds=KINDS,
        phases=_phase_choices(),
        grades=GRADE_CHOICES,
        request_title=settings.get("title"),
    )


@bp.post("/lti/deep-link")
@launch_required(INSTRUCTOR, ADMINISTRATOR)
def respond():
    """Return the chosen activity to the LMS as a signed LtiDeepLinkingResponse."""
    settings_claim = _settings_claim()
    if "ltiResourceLink" not in settings_claim.get("accept_types", []):
        raise UserFacingError(
            "The LMS does not accept LTI resource links here.",
            hint="Add leadpath as an external tool activity instead.",
            code="deep_link_type_refused",
            status=409,
        )
    return_url = settings_claim.get("deep_link_return_url")
    if not allowed_platform_url(current_app.config["LEADPATH"], return_url):
        raise UserFacingError(
            "The LMS gave an address to return to that is not an https address, so leadpath "
            "will not send the activity there.",
            hint="Ask the LMS's administrator to serve it over https, then add the activity again.",
            code="deep_link_return_url_refused",
        )
    choice = _choice(_frameworks())
    launch = current_launch()
    platform = find_platform(
        get_session(),
        launch.claims["iss"],
        launch.claims["aud"] if isinstance(launch.claims["aud"], str) else None,
    )
    if platform is None:
        raise UserFacingError(
            "The platform that started this request is no longer registered.",
            code="platform_unknown",
            status=409,
        )
    resource = (
        DeepLinkResource()
        .set_title(choice["title"])
        .set_url(current_app.config["LEADPATH"].url("/lti/launch"))
        .set_custom_params(choice["custom"])
    )
    if column := choice["column"]:
        resource.set_lineitem(
            LineItem()
            .set_score_maximum(column["scoreMaximum"])
            .set_label(column["label"])
            .set_resource_id(column["resourceId"])
            .set_tag(column["tag"])
            .set_submission_review(**SUBMISSION_REVIEW)
        )
    message = DeepLink(
        to_registration(platform), launch.claims[c.DEPLOYMENT_ID], settings_claim
    ).get_message_jwt([resource])
    if message.get(c.DEEP_LINKING_DATA) is None:
        message.pop(c.DEEP_LINKING_DATA, None)
    key = get_keys().active
    token = jwt.encode(message, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    allow_form_target(return_url)
    return render_template(
        "autopost.html",
        action=return_url,
        fields={"JWT": token},
        method="post",
    )
