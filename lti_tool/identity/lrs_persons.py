"""How the embedded LRS's Agents resource learns that leadpath accounts are one learner.

A link (`linking.py`) queues a `linked-identity` statement of the surviving account naming the
merged, former account in its `former-account` context extension, and the former account's
statements are voided by the surviving account and re-issued under it. `LearnerLinks` reads
those statements back through the LRS's bounded reads (`xapi.lrs.persons.StatementReads`):

- an account's former accounts come from its newest `LINK_SCAN` link statements;
- its surviving account comes from (a) the actors voiding statements among its newest
  statements, once their own link statements name it, and (b) the newest `LINK_SCAN` link
  statements in the whole store.

Only tool-scoped accounts take part; the verb and extension IRIs are those of the account's
homePage (the base URL of the leadpath that made it). An unlinked-identity statement does not
separate accounts: the former account's history stays re-issued under the surviving one.
"""

from __future__ import annotations

from collections.abc import Iterator

from xapi.lrs import StatementReads
from xapi.statements import vocabulary as v

LINK_SCAN = 200


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


class LearnerLinks:
    """The resolver leadpath gives its LRS: accounts merged by a link are one person."""

    def same_person(self, agent: dict, reads: StatementReads) -> Iterator[dict]:
        """Yield the accounts a link ties to `agent`'s account: former ones, then surviving."""
        account = _account({"objectType": "Agent", **agent})
        if account is None:
            return
        for other in self._linked(account, reads):
            yield {"objectType": "Agent", "account": other}

    def _links_of(self, account: dict, reads: StatementReads) -> list[dict]:
        """The newest LINK_SCAN link statements made by an account."""
        verb = v.LINKED.iri(account["homePage"])
        found = reads.find(verb, agent={"account": account}, limit=LINK_SCAN)
        return [s for s in found if _account(s["actor"]) == account]

    def _linked(self, account: dict, reads: StatementReads) -> Iterator[dict]:
        home_page = account["homePage"]
        for link in self._links_of(account, reads):
            if former := _former(link, home_page):
                yield former
        voiders: dict[tuple[str, str], dict] = {}
        for statement in reads.about({"account": account}):
            voider = _account(statement["actor"])
            if statement["verb"]["id"] == v.VOIDED.iri(home_page) and voider and voider != account:
                voiders[(voider["homePage"], voider["name"])] = voider
        for candidate in voiders.values():
            if any(
                _former(link, home_page) == account for link in self._links_of(candidate, reads)
            ):
                yield candidate
        for link in reads.find(v.LINKED.iri(home_page), limit=LINK_SCAN):
            if _former(link, home_page) == account and (surviving := _account(link["actor"])):
                yield surviving
