"""The Statements resource: PUT, POST (one or a batch), GET single or filtered, with attachments."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from itsdangerous import BadData, URLSafeSerializer

from xapi.lrs import attachments as att
from xapi.lrs import formats, jsonio, lookup_keys, query, shape, store
from xapi.lrs import validate_parts as p
from xapi.lrs.errors import BadRequest, Invalid, NotFound
from xapi.lrs.http_request import (
    XRequest,
    allowed_args,
    http_date,
    json_response,
    lrs,
    require,
    start,
)

_QUERY_ARGS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
}
_SINGLE_ARGS = {"statementId", "voidedStatementId", "format", "attachments"}
READ_ALL = ("statements/read", "all/read")
READ = (*READ_ALL, "statements/read/mine")


def statements() -> Response:
    """Dispatch on the (possibly alternate-syntax) method."""
    xreq = start()
    if xreq.method in {"GET", "HEAD"}:
        return _get(xreq)
    if xreq.method == "PUT":
        return _put(xreq)
    if xreq.method == "POST":
        return _post(xreq)
    raise BadRequest(f"method: the Statements resource does not accept {xreq.method}.")


def _read_body(xreq: XRequest) -> tuple[object, dict]:
    if xreq.content_type == "multipart/mixed":
        document, parts = att.split_request(xreq.headers["content-type"], xreq.body)
        try:
            return jsonio.loads(document), parts
        except ValueError as exc:
            raise BadRequest(f"The statement part of the multipart request {exc}.") from None
    if xreq.content_type not in {"application/json", ""}:
        raise BadRequest(
            "Content-Type: statements must be sent as application/json or multipart/mixed."
        )
    return xreq.json("The statement body"), {}


def _put(xreq: XRequest) -> Response:
    principal = require(xreq, "statements/write")
    allowed_args(xreq, {"statementId"})
    statement_id = xreq.args.get("statementId")
    if not statement_id:
        raise BadRequest(
            "statementId: the parameter is required to PUT a statement.", field="statementId"
        )
    p.uuid(statement_id, "statementId")
    statement, parts = _read_body(xreq)
    if not isinstance(statement, dict):
        raise BadRequest("statement: PUT takes a single statement object.", field="statement")
    if "id" in statement and str(statement["id"]).lower() != statement_id.lower():
        raise BadRequest(
            "statement.id: differs from the statementId parameter.", field="statement.id"
        )
    statement["id"] = statement.get("id", statement_id)
    store.store_statements(
        lrs().engine,
        [statement],
        authority=principal.authority,
        credential=principal.key,
        attachments=parts,
        xapi_version=xreq.version,
        define=principal.can("define"),
    )
    return Response(status=204)


def _post(xreq: XRequest) -> Response:
    principal = require(xreq, "statements/write")
    allowed_args(xreq, set())
    body, parts = _read_body(xreq)
    batch = body if isinstance(body, list) else [body]
    if not batch:
        raise BadRequest("statement: the batch is empty.", field="statement")
    ids = store.store_statements(
        lrs().engine,
        batch,
        authority=principal.authority,
        credential=principal.key,
        attachments=parts,
        xapi_version=xreq.version,
        define=principal.can("define"),
    )
    return json_response(ids)


def _flag(xreq: XRequest, name: str) -> bool:
    value = xreq.args.get(name, "false").lower()
    if value not in {"true", "false"}:
        raise BadRequest(f"{name}: must be true or false.", field=name)
    return value == "true"


def _render(xreq: XRequest, statements: list[dict]) -> list[dict]:
    fmt = xreq.args.get("format", "exact")
    if fmt == "exact":
        return statements
    if fmt == "ids":
        return [shape.to_ids(s) for s in statements]
    if fmt == "canonical":
        wanted = set().union(*(shape.activity_ids(s) for s in statements)) if statements else set()
        canon = query.canonical_definitions(lrs().engine, wanted)
        accepted = [
            part.split(";")[0].strip()
            for part in xreq.headers.get("accept-language", "").split(",")
            if part.strip()
        ]
        return [shape.to_canonical(s, canon, accepted) for s in statements]
    raise BadRequest("format: must be ids, exact or canonical.", field="format")


def _respond(xreq: XRequest, document, statements: list[dict], headers: dict) -> Response:
    headers["X-Experience-API-Consistent-Through"] = formats.format_micros(formats.now_micros())
    if _flag(xreq, "attachments"):
        body = json.dumps(document, separators=(",", ":")).encode()
        content_type, payload = att.build_multipart(
            body, query.get_attachments(lrs().engine, statements)
        )
        return Response(payload, content_type=content_type, headers=headers)
    return json_response(document, headers=headers)


def _get(xreq: XRequest) -> Response:
    principal = require(xreq, *READ)
    if "statementId" in xreq.args or "voidedStatementId" in xreq.args:
        allowed_args(xreq, _SINGLE_ARGS)
        if "statementId" in xreq.args and "voidedStatementId" in xreq.args:
            raise BadRequest("statementId: give statementId or voidedStatementId, not both.")
        voided = "voidedStatementId" in xreq.args
        name = "voidedStatementId" if voided else "statementId"
        p.uuid(xreq.args[name], name)
        found = query.get_statement(lrs().engine, xreq.args[name])
        if found is None or found[1] != voided:
            raise NotFound(f"{name}: no {'voided ' if voided else ''}statement has this id.")
        statement = found[0]
        if (
            not principal.can(*READ_ALL)
            and statement["authority"].get("account", {}).get("name") != principal.key
        ):
            raise NotFound(f"{name}: no statement stored with this key has this id.")
        stored = formats.to_micros(formats.parse_timestamp(statement["stored"]))
        rendered = _render(xreq, [statement])
        return _respond(xreq, rendered[0], [statement], {"Last-Modified": http_date(stored)})
    q, args = _parse_query(xreq)
    if not principal.can(*READ_ALL):
        q.mine = principal.key
    page = query.query_statements(lrs().engine, q)
    statements = page.statements()
    more = ""
    if page.next_after is not None:
        cursor = _cursors().dumps({"q": args, "a": list(page.next_after)})
        more = f"{request.script_root}/xapi/statements?more={cursor}"
    document = {"statements": _render(xreq, statements), "more": more}
    return _respond(xreq, document, statements, {})


def _cursors() -> URLSafeSerializer:
    """Sign `more` links, so a page is only ever asked for with a query this LRS made."""
    return URLSafeSerializer(lrs().cursor_key, salt="xapi-lrs-more")


def _unfold_more(xreq: XRequest) -> tuple[int, int]:
    """Put the query a `more` link carries back into the request; return where it resumes."""
    allowed_args(xreq, {"more"})
    try:
        token = _cursors().loads(xreq.args["more"])
    except BadData:
        token = None
    valid = (
        isinstance(token, dict)
        and isinstance(token.get("q"), dict)
        and all(isinstance(v, str) for v in token["q"].values())
        and isinstance(token.get("a"), list)
        and len(token["a"]) == 2
        and all(type(v) is int and 0 <= v < 2**63 for v in token["a"])
    )
    if not valid:
        raise BadRequest(
            "more: the link is not one this LRS made (or it was changed); "
            "run the query again from its first page.",
            field="more",
        )
    xreq.args = dict(token["q"])
    return token["a"][0], token["a"][1]


def _parse_query(xreq: XRequest) -> tuple[query.StatementQuery, dict]:
    after = _unfold_more(xreq) if "more" in xreq.args else None
    allowed_args(xreq, _QUERY_ARGS)
    args, q = dict(xreq.args), query.StatementQuery(after=after)
    if "agent" in args:
        try:
            q.agent = jsonio.loads(args["agent"])
        except ValueError as exc:
            raise BadRequest(
                f"agent: must be an Agent or Group as JSON; this {exc}.", field="agent"
            ) from None
        p.actor(q.agent, "agent")
        if lookup_keys.agent_ifi(q.agent) is None:
            raise Invalid("agent", "must be identified by mbox, mbox_sha1sum, openid or account.")
    if "verb" in args:
        q.verb = p.iri(args["verb"], "verb")
    if "activity" in args:
        q.activity = p.iri(args["activity"], "activity")
    if "registration" in args:
        q.registration = p.uuid(args["registration"], "registration")
    for name in ("since", "until"):
        if name in args:
            moment = formats.parse_timestamp(args[name], rfc3339=xreq.is_2)
            if moment is None:
                raise Invalid(name, "must be an ISO 8601 timestamp with a time zone.")
            setattr(q, f"{name}_us", formats.to_micros(moment))
    if "limit" in args:
        q.limit = formats.whole_number(args["limit"])
        if q.limit is None:
            raise BadRequest(
                "limit: must be a whole number written in the digits 0 to 9 "
                "(0 for the server maximum).",
                field="limit",
            )
    q.related_activities = _flag(xreq, "related_activities")
    q.related_agents = _flag(xreq, "related_agents")
    q.ascending = _flag(xreq, "ascending")
    _flag(xreq, "attachments")
    if args.get("format", "exact") not in {"ids", "exact", "canonical"}:
        raise BadRequest("format: must be ids, exact or canonical.", field="format")
    return q, args


def register(bp: Blueprint) -> None:
    """Add the routes of the Statements resource to the LRS blueprint."""
    bp.add_url_rule("/statements", view_func=statements, methods=["GET", "HEAD", "PUT", "POST"])
