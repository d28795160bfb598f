"""Resolvable framework and career-phase IRIs: an HTML page for people, JSON for software.

``GET /frameworks/...`` and ``/career-phases/...`` answer the IRIs of ``framework.iri`` with
a readable page, or with the JSON definition (``framework.iri.to_json``) when the request
prefers ``application/json``. The newest stored version is shown unless ``?version=`` names
another. These pages are public: they define the vocabulary statements use.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import select

from framework.iri import UnknownIRIError, iri_of, resolve, to_json
from framework.model import Domain, Element, Framework, Indicator, Stage
from framework.phases import CareerPhase, expected_profile, load_phases
from lti_tool.assess.framework_versions import current_version, framework_of, store_bundled_once
from lti_tool.assess.models import FrameworkVersion
from lti_tool.db import get_db, get_session
from lti_tool.errors import UserFacingError
from lti_tool.framework_notices import superseded_by_title

bp = Blueprint("frameworks", __name__)

JSON_TYPES = ("application/json", "application/ld+json")


def wants_json() -> bool:
    """Return True when the request prefers JSON to HTML."""
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", *JSON_TYPES])
    return best in JSON_TYPES and accept[best] > accept["text/html"]


def _base() -> str:
    return current_app.config["LEADPATH"].base_url


def _not_found(detail: str) -> UserFacingError:
    return UserFacingError(
        detail,
        hint="Check the address; framework IRIs are listed at /frameworks.",
        code="unknown_iri",
        status=404,
        title="Nothing is defined at this address",
    )


def _versions(framework_id: str) -> list[FrameworkVersion]:
    store_bundled_once(get_db())
    session = get_session()
    return list(
        session.scalars(
            select(FrameworkVersion)
            .where(FrameworkVersion.framework_id == framework_id)
            .order_by(FrameworkVersion.created_at, FrameworkVersion.id)
        )
    )


def _chosen_version(framework_id: str) -> tuple[FrameworkVersion, list[FrameworkVersion]]:
    versions = _versions(framework_id)
    if not versions:
        raise _not_found(f"There is no framework '{framework_id}'.")
    wanted = request.args.get("version")
    if not wanted:
        return current_version(get_session(), framework_id), versions
    for row in reversed(versions):
        if row.version == wanted:
            return row, versions
    labels = ", ".join(v.version for v in versions)
    raise _not_found(
        f"Framework '{framework_id}' has no version '{wanted}' (stored versions: {labels})."
    )


def _respond(obj, *, template_values: dict):
    base = _base()
    if wants_json():
        response = jsonify(to_json(obj, base))
    else:
        response = current_app.make_response(render_template(**template_values))
    response.headers["Vary"] = "Accept"
    return response


def _kind(obj) -> str:
    kinds = {
        Framework: "framework",
        Domain: "domain",
        Element: "element",
        Stage: "stage",
        Indicator: "indicator",
        CareerPhase: "career-phase",
    }
    return kinds[type(obj)]


@bp.get("/frameworks")
def index():
    """List every stored framework with its newest version."""
    store_bundled_once(get_db())
    session = get_session()
    ids = session.scalars(select(FrameworkVersion.framework_id).distinct()).all()
    base = _base()
    rows = []
    for framework_id in sorted(ids):
        newest = current_version(session, framework_id)
        loaded = framework_of(newest)
        rows.append(
            {
                "iri": iri_of(base, loaded),
                "superseded": superseded_by_title(loaded) if loaded.is_superseded else None,
                "id": framework_id,
                "version": newest.version,
                "title": newest.title,
                "versions": [v.version for v in _versions(framework_id)],
            }
        )
    if wants_json():
        response = jsonify({"frameworks": rows, "career_phases": _phase_rows(base)})
    else:
        response = current_app.make_response(
            render_template("frameworks/index.html", frameworks=rows, phases=_phase_rows(base))
        )
    response.headers["Vary"] = "Accept"
    return response


def _phase_rows(base: str) -> list[dict]:
    return [
        {"iri": iri_of(base, phase), "id": phase.id, "title": phase.title}
        for phase in load_phases().values()
    ]


@bp.get("/frameworks/<framework_id>")
@bp.get("/frameworks/<framework_id>/<path:rest>")
def framework_item(framework_id: str, rest: str = ""):
    """Show a framework, domain, element, stage, level or indicator by its IRI."""
    row, versions = _chosen_version(framework_id)
    framework = framework_of(row)
    base = _base()
    iri = base + request.path
    try:
        obj = resolve(base, iri, {framework_id: framework})
    except UnknownIRIError:
        raise _not_found(
            f"Framework '{framework_id}' version '{row.version}' defines nothing at {iri}."
        ) from None
    newest = row.id == current_version(get_session(), framework_id).id
    query = "" if newest else f"?version={quote(row.version)}"
    heading = _heading(framework, obj)
    return _respond(
        obj,
        template_values={
            "template_name_or_list": "frameworks/item.html",
            "kind": _kind(obj),
            "obj": obj,
            "framework": framework,
            "row": row,
            "versions": versions,
            "is_newest": newest,
            "version_query": query,
            "heading": heading,
            "crumbs": _crumbs(base, framework, obj, query, heading),
            "iri": iri_of(base, obj),
            "iri_of": lambda o: iri_of(base, o),
            "element_of": _element_of(framework, obj),
        },
    )


def _heading(framework: Framework, obj) -> str:
    if isinstance(obj, Framework | Domain | Element):
        return obj.title
    if isinstance(obj, Stage):
        return obj.title if obj.is_level else f"{framework.rating_label} {obj.key}: {obj.title}"
    return f"Indicator {obj.id}"


def _crumbs(base: str, framework: Framework, obj, query: str, heading: str) -> list[tuple]:
    """Return (label, href) pairs from the framework down to `obj`."""
    crumbs = []
    if not isinstance(obj, Framework):
        crumbs.append((framework.title, iri_of(base, framework) + query))
    if isinstance(obj, Element | Indicator):
        domain = framework.domain(obj.domain_id)
        crumbs.append((domain.title, iri_of(base, domain) + query))
    if isinstance(obj, Indicator):
        element = framework.element(obj.element_path)
        crumbs.append((element.title, iri_of(base, element) + query))
    crumbs.append((heading, iri_of(base, obj) + query))
    return crumbs


def _element_of(framework: Framework, obj) -> Element | None:
    if isinstance(obj, Indicator):
        return framework.element(obj.element_path)
    return obj if isinstance(obj, Element) else None


@bp.get("/career-phases/<phase_id>")
def career_phase(phase_id: str):
    """Show a career phase and the stage expected in each domain."""
    base = _base()
    iri = base + request.path
    try:
        phase = resolve(base, iri, {})
    except UnknownIRIError:
        raise _not_found(f"There is no career phase '{phase_id}'.") from None
    row = current_version(get_session(), phase.framework_id)
    framework = framework_of(row) if row is not None else None
    expected = []
    for domain_id, stage in phase.expected.items():
        domain = _find_domain(framework, domain_id)
        expected.append(
            {
                "domain_id": domain_id,
                "title": domain.title if domain else domain_id,
                "iri": iri_of(base, domain) if domain else None,
                "stage": stage,
            }
        )
    return _respond(
        phase,
        template_values={
            "others": _other_frameworks(base, phase),
            "template_name_or_list": "frameworks/phase.html",
            "phase": phase,
            "crumbs": [(f"Career phase: {phase.title}", iri)],
            "framework": framework,
            "expected": expected,
            "iri": iri,
        },
    )


def _other_frameworks(base: str, phase: CareerPhase) -> list[dict]:
    """What the phase expects in every other stored framework, one row per framework."""
    session = get_session()
    rows = []
    for framework_id in sorted(set(session.scalars(select(FrameworkVersion.framework_id)))):
        if framework_id == phase.framework_id:
            continue
        framework = framework_of(current_version(session, framework_id))
        try:
            profile = expected_profile(phase, framework=framework)
        except (KeyError, ValueError):
            continue
        wanted = [
            (framework.domain(d).title, framework.stage(v).title if v else v)
            for d, v in profile.items()
            if v is not None
        ]
        rows.append({"framework": framework, "iri": iri_of(base, framework), "expected": wanted})
    return rows


def _find_domain(framework: Framework | None, domain_id: str) -> Domain | None:
    if framework is None:
        return None
    try:
        return framework.domain(domain_id)
    except KeyError:
        return None
