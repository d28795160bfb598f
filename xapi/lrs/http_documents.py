"""Document resources (State, Activity Profile, Agent Profile), Activities, Agents and About."""

from __future__ import annotations

from flask import Blueprint, Response

from xapi.lrs import documents, formats, jsonio, persons, query
from xapi.lrs import validate_parts as p
from xapi.lrs.documents import Scope
from xapi.lrs.errors import BadRequest, Invalid, NotFound
from xapi.lrs.http_request import (
    VERSIONS,
    XRequest,
    allowed_args,
    http_date,
    json_response,
    lrs,
    require,
    start,
)
from xapi.lrs.lookup_keys import agent_ifi


def _required(xreq: XRequest, name: str) -> str:
    if name not in xreq.args:
        raise BadRequest(f"{name}: the parameter is required.", field=name)
    return xreq.args[name]


def _agent(xreq: XRequest, name: str = "agent") -> dict:
    try:
        agent = jsonio.loads(_required(xreq, name))
    except ValueError as exc:
        raise BadRequest(f"{name}: must be an Agent as JSON; this {exc}.", field=name) from None
    p.actor(agent, name)
    if agent_ifi(agent) is None:
        raise Invalid(name, "must be identified by mbox, mbox_sha1sum, openid or account.")
    return agent


def _since(xreq: XRequest) -> int | None:
    if "since" not in xreq.args:
        return None
    moment = formats.parse_timestamp(xreq.args["since"], rfc3339=xreq.is_2)
    if moment is None:
        raise Invalid("since", "must be an ISO 8601 timestamp with a time zone.")
    return formats.to_micros(moment)


def _serve(xreq: XRequest, scope: Scope, id_name: str, *, require_precondition: bool) -> Response:
    """Run GET/PUT/POST/DELETE on one scope of documents."""
    doc_id = xreq.args.get(id_name)
    engine = lrs().engine
    if xreq.method in {"GET", "HEAD"}:
        if doc_id is None:
            # The newest document's time (xAPI 1.0.3 Communication 2.2, a SHOULD* there).
            ids, latest = documents.list_documents(engine, scope, _since(xreq))
            headers = {"Last-Modified": http_date(latest)} if latest is not None else {}
            return json_response(ids, headers=headers)
        # With an id, since is checked but has nothing to select (xAPI 1.0.3 Communication 2.3).
        _since(xreq)
        doc = documents.get_document(engine, scope, doc_id)
        if doc is None:
            raise NotFound(f"{id_name}: no document has this id.")
        return Response(
            doc.content,
            content_type=doc.content_type,
            headers={"ETag": doc.etag, "Last-Modified": http_date(doc.updated_us)},
        )
    if xreq.method == "DELETE":
        if xreq.body:
            raise BadRequest("A DELETE carries no document: send it without a body.")
        if "since" in xreq.args:
            raise BadRequest("since: is not a parameter of DELETE.", field="since")
        if doc_id is None and id_name != "stateId":
            raise BadRequest(f"{id_name}: the parameter is required.", field=id_name)
        documents.delete_documents(engine, scope, doc_id, xreq.headers.get("if-match"))
        return Response(status=204)
    if xreq.method not in {"PUT", "POST"}:
        raise BadRequest(f"method: this resource does not accept {xreq.method}.")
    if doc_id is None:
        raise BadRequest(f"{id_name}: the parameter is required.", field=id_name)
    if "since" in xreq.args:
        raise BadRequest(f"since: is not a parameter of {xreq.method}.", field="since")
    content_type = xreq.headers.get("content-type") or "application/octet-stream"
    if xreq.method == "POST" and not xreq.body:
        raise BadRequest("The POST has no document to store or merge.")
    etag = documents.save_document(
        engine,
        scope,
        doc_id,
        content_type,
        xreq.body,
        merge=xreq.method == "POST",
        if_match=xreq.headers.get("if-match"),
        if_none_match=xreq.headers.get("if-none-match"),
        require_precondition=require_precondition,
    )
    return Response(status=204, headers={"ETag": etag})


def _scopes(xreq: XRequest, scope: str) -> None:
    if xreq.method in {"GET", "HEAD"}:
        require(xreq, scope, "all/read")
    else:
        require(xreq, scope)


SHARED_STATE = "state/shared"


def state() -> Response:
    """Serve the State resource: each key sees the State documents it wrote (see `Scope`)."""
    xreq = start()
    reading = ("all/read",) if xreq.method in {"GET", "HEAD"} else ()
    principal = require(xreq, "state", SHARED_STATE, *reading)
    allowed_args(xreq, {"activityId", "agent", "registration", "stateId", "since"})
    activity_id = p.iri(_required(xreq, "activityId"), "activityId")
    agent = _agent(xreq)
    registration = xreq.args.get("registration", "")
    if registration:
        p.uuid(registration, "registration")
    owner = "" if SHARED_STATE in principal.scopes else principal.key
    scope = Scope("state", activity_id, agent, registration, owner)
    return _serve(xreq, scope, "stateId", require_precondition=False)


def activity_profile() -> Response:
    """Serve the Activity Profile resource."""
    xreq = start()
    _scopes(xreq, "profile")
    allowed_args(xreq, {"activityId", "profileId", "since"})
    activity_id = p.iri(_required(xreq, "activityId"), "activityId")
    return _serve(
        xreq, Scope("activity_profile", activity_id), "profileId", require_precondition=True
    )


def agent_profile() -> Response:
    """Serve the Agent Profile resource."""
    xreq = start()
    _scopes(xreq, "profile")
    allowed_args(xreq, {"agent", "profileId", "since"})
    scope = Scope("agent_profile", agent=_agent(xreq))
    return _serve(xreq, scope, "profileId", require_precondition=True)


_ANY = ("statements/read", "statements/read/mine", "all/read", "define", "profile", "state")


def activities() -> Response:
    """Return the LRS's canonical Activity object.

    An activity the LRS has never seen is still an Activity: its object has just the id (xAPI
    1.0.3 Communication 2.5 SHOULD, 2.0 4.1.6.4 shall).
    """
    xreq = start()
    require(xreq, *_ANY)
    allowed_args(xreq, {"activityId"})
    activity_id = p.iri(_required(xreq, "activityId"), "activityId")
    found = query.get_activity(lrs().engine, activity_id)
    return json_response(found or {"objectType": "Activity", "id": activity_id})


def agents() -> Response:
    """Return the Person object the LRS knows for an agent."""
    xreq = start()
    principal = require(xreq, *_ANY)
    allowed_args(xreq, {"agent"})
    agent = _agent(xreq)
    engine, resolver = lrs().engine, lrs().persons
    if principal.can("statements/read", "all/read"):
        person = persons.person(engine, agent, resolver=resolver)
    elif principal.can("statements/read/mine"):
        person = persons.person(engine, agent, mine=principal.key, resolver=resolver)
    else:  # keys that may not read statements learn nothing from them
        person = persons.person(engine, agent, statements=False)
    return json_response(person)


def about() -> Response:
    """Describe the LRS: the xAPI versions it speaks, 1.0.x and 2.0.0, to every client.

    About needs no version header (xAPI 1.0.3 Communication 2.8, 2.0 4.1.6.7); the answer is
    in the version the request names, 1.0.3 when it names none or one the LRS does not speak.
    """
    start(needs_version=False)
    return json_response({"version": VERSIONS, "extensions": {}})


def register(bp: Blueprint) -> None:
    """Add the document resources, Activities, Agents and About to the LRS blueprint."""
    documents_methods = ["GET", "HEAD", "PUT", "POST", "DELETE"]
    bp.add_url_rule("/activities/state", view_func=state, methods=documents_methods)
    bp.add_url_rule("/activities/profile", view_func=activity_profile, methods=documents_methods)
    bp.add_url_rule("/agents/profile", view_func=agent_profile, methods=documents_methods)
    bp.add_url_rule("/activities", view_func=activities, methods=["GET", "HEAD"])
    bp.add_url_rule("/agents", view_func=agents, methods=["GET", "HEAD"])
    bp.add_url_rule("/about", view_func=about, methods=["GET", "HEAD"])
