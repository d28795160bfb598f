"""The Person object of the Agents resource: what stored statements tell about one person.

Worked out at query time from the lookup-key index, with bounded reads:

- names: the `name` of the agent as actor or object (or member of such a Group) in the newest
  `NAME_SCAN` statements about each of the person's identifiers, voided ones included, newest
  first; a name sent with the request comes first.
- leadpath's learner links (account agents only, the homePage being the deployment's base URL):
  a `linked-identity` statement of the surviving account names the merged, former account in
  its `former-account` context extension, and the former account's statements are voided by the
  surviving account. So an account's former accounts come from its newest `LINK_SCAN` link
  statements; its surviving account comes from (a) the actors voiding statements among its
  newest `NAME_SCAN` statements, once their own link statements name it, and (b) the newest
  `LINK_SCAN` link statements in the whole store. Links of links are followed up to
  `MAX_IDENTIFIERS` identifiers.

An unlinked-identity statement does not separate accounts: the former account's history stays
re-issued under the surviving one, and the identity's new account is not named in statements.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import Engine, select

from xapi.lrs import indexing, lookup_keys
from xapi.lrs.models import Statement, StatementKey
from xapi.lrs.query import StatementQuery, query_statements
from xapi.lrs.validate import VOIDED
from xapi.statements import vocabulary as v

_S = Statement.__table__
_K = StatementKey.__table__
NAME_SCAN = 200
LINK_SCAN = 200
MAX_IDENTIFIERS = 10
_IFI_FIELDS = ("mbox", "mbox_sha1sum", "openid", "account")


class _Reader:
    """Bounded reads of one request, cached: a person's identifiers share them."""

    def __init__(self, engine: Engine, mine: str | None):
        self.engine, self.mine = engine, mine
        self._links: dict[str, list[dict]] = {}
        self._all_links: dict[str, list[dict]] = {}
        indexing.ensure_indexed(engine)

    def about(self, ifi: str) -> list[dict]:
        """The newest NAME_SCAN statements with the agent as actor or object, voided included."""
        stmt = (
            select(_S.c.payload)
            .select_from(_K.join(_S, _S.c.seq == _K.c.seq))
            .where(_K.c.h == lookup_keys.key_hash("a", ifi), _K.c.direct.is_(True))
            .order_by(_K.c.stored_us.desc(), _K.c.seq.desc())
            .limit(NAME_SCAN)
        )
        if self.mine:
            stmt = stmt.where(_S.c.credential == self.mine)
        with self.engine.connect() as conn:
            return [json.loads(payload) for payload in conn.execute(stmt).scalars()]

    def links_of(self, account: dict) -> list[dict]:
        """The newest LINK_SCAN link statements made by an account."""
        agent = {"account": account}
        ifi = lookup_keys.agent_ifi(agent)
        if ifi not in self._links:
            verb = v.LINKED.iri(account["homePage"])
            page = query_statements(
                self.engine, StatementQuery(agent=agent, verb=verb, limit=LINK_SCAN, mine=self.mine)
            )
            self._links[ifi] = [s for s in page.statements() if _account(s["actor"]) == account]
        return self._links[ifi]

    def newest_links(self, home_page: str) -> list[dict]:
        """The newest LINK_SCAN link statements of a deployment, whoever made them."""
        if home_page not in self._all_links:
            verb = v.LINKED.iri(home_page)
            page = query_statements(
                self.engine, StatementQuery(verb=verb, limit=LINK_SCAN, mine=self.mine)
            )
            self._all_links[home_page] = page.statements()
        return self._all_links[home_page]


def _account(agent: object) -> dict | None:
    """The account of an Agent, as {homePage, name}, or None."""
    if not isinstance(agent, dict) or agent.get("objectType", "Agent") != "Agent":
        return None
    account = agent.get("account")
    if not isinstance(account, dict):
        return None
    home_page, name = account.get("homePage"), account.get("name")
    if not isinstance(home_page, str) or not isinstance(name, str):
        return None
    return {"homePage": home_page, "name": name}


def _former(link: dict, home_page: str) -> dict | None:
    """The former account a link statement names, or None."""
    extensions = (link.get("context") or {}).get("extensions") or {}
    return _account(extensions.get(v.FORMER_ACCOUNT.iri(home_page)))


def _linked(reader: _Reader, account: dict, about: list[dict]) -> Iterator[dict]:
    """Yield the accounts a learner link ties to `account`: former ones, then surviving ones."""
    home_page = account["homePage"]
    for link in reader.links_of(account):
        if former := _former(link, home_page):
            yield former
    voiders: dict[tuple[str, str], dict] = {}
    for statement in about:
        voider = _account(statement["actor"])
        if statement["verb"]["id"] == VOIDED and voider and voider != account:
            voiders[(voider["homePage"], voider["name"])] = voider
    for candidate in voiders.values():
        if any(_former(link, home_page) == account for link in reader.links_of(candidate)):
            yield candidate
    for link in reader.newest_links(home_page):
        if _former(link, home_page) == account and (surviving := _account(link["actor"])):
            yield surviving


def _agents(holder: object) -> Iterator[dict]:
    """Yield an Agent or Group and a Group's members."""
    if isinstance(holder, dict) and holder.get("objectType", "Agent") in {"Agent", "Group"}:
        yield holder
        yield from (m for m in holder.get("member", []) if isinstance(m, dict))


def _names(statements: list[dict], ifi: str) -> Iterator[str]:
    """Yield the names the identified agent is given as actor or object, newest first."""
    for statement in statements:
        for holder in (statement["actor"], statement["object"]):
            for agent in _agents(holder):
                if lookup_keys.agent_ifi(agent) == ifi and isinstance(agent.get("name"), str):
                    yield agent["name"]


def person(
    engine: Engine, agent: dict, *, statements: bool = True, mine: str | None = None
) -> dict:
    """Return the Person object for an identified agent.

    Without `statements` only the request's agent is described; with `mine` only statements
    stored with that credential are read.
    """
    asked = {k: agent[k] for k in ("objectType", *_IFI_FIELDS) if k in agent}
    identifiers, names = [asked], [agent["name"]] if isinstance(agent.get("name"), str) else []
    if statements:
        reader = _Reader(engine, mine)
        seen = {lookup_keys.agent_ifi(asked)}
        for ident in identifiers:  # grows while links are followed
            ifi = lookup_keys.agent_ifi(ident)
            about = reader.about(ifi)
            names.extend(_names(about, ifi))
            if (account := _account(ident)) is None:
                continue
            for other in _linked(reader, account, about):
                linked = {"account": other}
                if lookup_keys.agent_ifi(linked) not in seen and len(identifiers) < MAX_IDENTIFIERS:
                    seen.add(lookup_keys.agent_ifi(linked))
                    identifiers.append(linked)
    out: dict = {"objectType": "Person"}
    if names:
        out["name"] = list(dict.fromkeys(names))
    for field in _IFI_FIELDS:
        values = [ident[field] for ident in identifiers if field in ident]
        if values:
            out[field] = values
    return out
