"""Re-issuing a linked learner's earlier statements under their surviving account.

Statements are immutable, so when two learner records become one the earlier statements of the
record that went are voided and re-issued — same content and timestamp, a new id, every
mention of the former account replaced by the surviving one — so that one `agent` query returns
the learner's whole history.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import tincan

from xapi.statements import assembly as a
from xapi.statements import iris
from xapi.statements import vocabulary as v


def build_voided(base_url: str, learner_id: str, target_id: str) -> dict[str, Any]:
    """The learner (surviving account) voids a statement made under their former account."""
    statement = tincan.Statement(
        actor=a.agent(base_url, learner_id, None),
        verb=a.verb(v.VOIDED, base_url),
        object=tincan.StatementRef(id=target_id),
    )
    return a.finish(statement)


def _replace_account(node: Any, former: dict, surviving: dict) -> Any:
    if isinstance(node, dict):
        if node == former:
            return dict(surviving)
        return {k: _replace_account(value, former, surviving) for k, value in node.items()}
    if isinstance(node, list):
        return [_replace_account(item, former, surviving) for item in node]
    return node


def reissue(
    statement: dict[str, Any], base_url: str, former_learner_id: str, learner_id: str
) -> dict[str, Any]:
    """A copy of `statement` under the surviving account, with a new id and a link back."""
    former = iris.account(base_url, former_learner_id)
    surviving = iris.account(base_url, learner_id)
    copied = _replace_account(copy.deepcopy(statement), former, surviving)
    for lrs_set in ("stored", "authority", "version"):
        copied.pop(lrs_set, None)
    copied["id"] = str(uuid.uuid4())
    extensions = copied.setdefault("context", {}).setdefault("extensions", {})
    extensions[v.REISSUED_FROM.iri(base_url)] = statement["id"]
    return copied


def voids_and_reissues(
    statements: list[dict[str, Any]], base_url: str, former_learner_id: str, learner_id: str
) -> list[dict[str, Any]]:
    """For each statement naming the former account: its voiding statement, then its copy."""
    former = iris.account(base_url, former_learner_id)
    out: list[dict[str, Any]] = []
    for statement in statements:
        if statement.get("verb", {}).get("id") == v.VOIDED.iri(base_url):
            continue
        if former not in _accounts(statement):
            continue
        out.append(build_voided(base_url, learner_id, statement["id"]))
        out.append(reissue(statement, base_url, former_learner_id, learner_id))
    return out


def _accounts(node: Any) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if set(node) == {"homePage", "name"} else []
        for value in node.values():
            found.extend(_accounts(value))
        return found
    if isinstance(node, list):
        return [account for item in node for account in _accounts(item)]
    return []
