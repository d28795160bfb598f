"""The profile's Statement Templates and Patterns (xAPI Profiles 1.0, Part Two §2.6-2.7).

One template per statement kind, keyed like the builders; template and pattern IRIs are
``{base}/xapi/profile/templates/{key}`` and ``{base}/xapi/profile/patterns/{key}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xapi.statements import iris
from xapi.statements import vocabulary as v

Rule = dict[str, Any]


@dataclass(frozen=True)
class TemplateSpec:
    """What distinguishes one kind of statement."""

    key: str
    label: str
    definition: str
    verb: v.Concept
    object_type: v.Concept
    registration: str  # presence of $.context.registration
    parent: bool = True  # the resource link is the parent
    other: tuple[v.Concept, ...] = ()


def rule(location: str, presence: str | None = None, **values: list) -> Rule:
    """A Statement Template Rule; ``values`` may be ``any``, ``all`` or ``none``."""
    out: Rule = {"location": location}
    if presence:
        out["presence"] = presence
    out.update(values)
    return out


def ext(where: str, concept: v.Concept, base: str, presence: str, **values: list) -> Rule:
    """A rule on an extension under ``$.context`` or ``$.result``."""
    return rule(f"$.{where}.extensions['{concept.iri(base)}']", presence, **values)


SPECS: tuple[TemplateSpec, ...] = (
    TemplateSpec("launched", "launched", "A learner launched a resource link.",
                 v.LAUNCHED, v.RESOURCE_LINK, "recommended", parent=False),
    TemplateSpec("initialized", "initialized", "A learner started an attempt.",
                 v.INITIALIZED, v.ASSESSMENT, "included"),
    TemplateSpec("answered", "answered", "A learner rated themselves on an element.",
                 v.ANSWERED, v.QUESTION, "included", other=(v.COMPETENCY,)),
    TemplateSpec("suspended", "suspended", "A learner paused an attempt.",
                 v.SUSPENDED, v.ASSESSMENT, "included"),
    TemplateSpec("resumed", "resumed", "A learner took up a paused attempt.",
                 v.RESUMED, v.ASSESSMENT, "included"),
    TemplateSpec("completed", "completed", "A learner finished an attempt.",
                 v.COMPLETED, v.ASSESSMENT, "included"),
    TemplateSpec("validated", "supervisor verified",
                 "A supervisor (the actor) verified a learner's attempt.",
                 v.VERIFIED, v.ASSESSMENT, "included"),
    TemplateSpec("rated", "rated",
                 "An anonymised 360 rater rated a learner on an element (sent by earlier "
                 "releases only; leadpath now sends feedback summaries instead). The actor is "
                 "a random pseudonym drawn afresh for each answer and the statement names no "
                 "rater group.",
                 v.RATED, v.QUESTION, "included", other=(v.COMPETENCY,)),
    TemplateSpec("feedback-summary", "received feedback summary",
                 "A learner received a released step of one 360 rater group's figures on an "
                 "element: the group's mean stage and how many raters it pools, never one "
                 "rater's stages or comment. Per group and element, leadpath takes the answers "
                 "oldest first and sends a summary only when their count reaches a whole "
                 "multiple of the threshold (LEADPATH_FEEDBACK_MIN_RATERS, for every group, "
                 "the line manager too), each summary covering all the answers so far. So "
                 "statements cannot be combined to recover one rater's rating: any two "
                 "summaries of a group and element differ by a whole step of at least the "
                 "threshold's raters, a difference of them gives only the sum of that many "
                 "raters' stages, summaries of different elements or groups pool different "
                 "ratings, and no statement carries one rater's stage, group or comment.",
                 v.FEEDBACK_SUMMARY, v.QUESTION, "included", other=(v.COMPETENCY,)),
    TemplateSpec("competency-assessed", "competency assessed",
                 "A learner was assessed in an element, as a competency.",
                 v.ASSESSED, v.COMPETENCY, "included"),
    TemplateSpec("competency-asserted", "competency asserted",
                 "A learner's stage in an element, as a competency, is asserted.",
                 v.ASSERTED, v.COMPETENCY, "included"),
    TemplateSpec("identity-linked", "identity linked",
                 "A learner linked another platform's identity.",
                 v.LINKED, v.LTI_PLATFORM, "excluded"),
    TemplateSpec("identity-unlinked", "identity unlinked",
                 "A learner removed a linked platform identity.",
                 v.UNLINKED, v.LTI_PLATFORM, "excluded"),
    TemplateSpec("consent-given", "consent given",
                 "A learner agreed, e.g. that programmes they train in may see their linked "
                 "history.",
                 v.CONSENTED, v.CONSENT, "excluded"),
    TemplateSpec("consent-withdrawn", "consent withdrawn",
                 "A learner withdrew an agreement given earlier.",
                 v.WITHDREW_CONSENT, v.CONSENT, "excluded"),
)  # fmt: skip


def _common_rules(spec: TemplateSpec, base: str) -> list[Rule]:
    grouping_types = [c.iri(base) for c in (v.COURSE, v.FRAMEWORK, v.DOMAIN)]
    rules = [
        rule("$.id", "included"),
        rule("$.timestamp", "included"),
        rule("$.version", "excluded"),
        rule("$.actor.objectType", "included", all=["Agent"]),
        rule("$.actor.account.homePage", "included", all=[base]),
        rule("$.actor.account.name", "included"),
        rule("$.actor.mbox", "excluded"),
        rule("$.actor.mbox_sha1sum", "excluded"),
        rule("$.actor.openid", "excluded"),
        rule("$.context.registration", spec.registration),
        rule("$.context.platform", "recommended"),
        rule(
            "$.context.contextActivities.category[*].id", "included", any=[iris.profile_iri(base)]
        ),
        rule(
            "$.context.contextActivities.grouping[*].definition.type",
            "included",
            all=grouping_types,
        ),
        ext("context", v.LTI_ISSUER, base, "included"),
        ext("context", v.LTI_DEPLOYMENT_ID, base, "included"),
        ext("context", v.LTI_CONTEXT_ID, base, "recommended"),
        ext("context", v.CAREER_PHASE, base, "recommended"),
        ext("context", v.FRAMEWORK_VERSION, base, "included"),
    ]
    if spec.parent:
        parent_type = [v.RESOURCE_LINK.iri(base)]
        rules.append(
            rule(
                "$.context.contextActivities.parent[*].definition.type", "included", all=parent_type
            )
        )
    else:
        rules.append(rule("$.context.contextActivities.parent", "excluded"))
    return rules


def _ratings_rules(base: str) -> list[Rule]:
    return [
        rule("$.object.definition.interactionType", "included", all=["other"]),
        rule("$.result.response", "included"),
        ext("result", v.RATINGS, base, "included"),
        ext("result", v.STAGE, base, "included"),
    ]


def _specific_rules(key: str, base: str) -> list[Rule]:
    stage = ext("result", v.STAGE, base, "included")
    by_key = {
        "answered": _ratings_rules(base),
        "rated": [
            *_ratings_rules(base),
            rule("$.actor.name", "excluded"),
            ext("context", v.RATER_GROUP, base, "excluded"),
            ext("context", v.LEARNER, base, "included"),
            # The learner, so that agent + related_agents finds the rating; never the rater.
            rule("$.context.team.member[*].account.name", "included"),
            rule("$.context.team.member[*].name", "excluded"),
        ],
        "feedback-summary": [
            rule("$.object.definition.interactionType", "included", all=["other"]),
            rule("$.result.response", "excluded"),
            ext("result", v.RATINGS, base, "excluded"),
            ext("result", v.STAGE, base, "excluded"),
            ext("result", v.MEAN_STAGE, base, "included"),
            ext("result", v.RATERS, base, "included"),
            ext("context", v.RATER_GROUP, base, "included"),
        ],
        "completed": [
            *(
                rule(f"$.result.score.{part}", "included")
                for part in ("scaled", "raw", "min", "max")
            ),
            rule("$.result.success", "included"),
            rule("$.result.completion", "included", all=[True]),
            rule("$.result.duration", "included"),
        ],
        "validated": [
            # success: signed off; whether the supervisor changed a stage is `adjusted`.
            rule("$.result.success", "included", all=[True]),
            ext("result", v.ADJUSTED, base, "included"),
            ext("context", v.LEARNER, base, "included"),
            rule("$.context.team.member[*].account.name", "included"),
        ],
        "competency-assessed": [
            rule("$.result.score.scaled", "included"),
            rule("$.result.success", "recommended"),
            rule("$.result.completion", "excluded"),
            stage,
            ext("context", v.EVIDENCE, base, "recommended"),
        ],
        "competency-asserted": [stage, ext("context", v.EVIDENCE, base, "recommended")],
        "identity-linked": [
            ext("context", v.LINKED_ISSUER, base, "included"),
            ext("context", v.LINKED_SUBJECT_SHA256, base, "included"),
        ],
    }
    by_key["identity-unlinked"] = by_key["identity-linked"]
    return by_key.get(key, [rule("$.result", "excluded")])


def template_iri(base: str, key: str) -> str:
    """The IRI of the template for one statement kind."""
    return f"{iris.profile_iri(base)}/templates/{key}"


def build_templates(base: str, version_iri: str) -> list[dict[str, Any]]:
    """Every Statement Template, in builder order."""
    templates = []
    for spec in SPECS:
        template = {
            "id": template_iri(base, spec.key),
            "type": "StatementTemplate",
            "inScheme": version_iri,
            "prefLabel": {"en": spec.label},
            "definition": {"en": spec.definition},
            "verb": spec.verb.iri(base),
            "objectActivityType": spec.object_type.iri(base),
            "contextGroupingActivityType": [v.FRAMEWORK.iri(base)],
            "contextCategoryActivityType": [v.PROFILE.iri(base)],
            "rules": _common_rules(spec, base) + _specific_rules(spec.key, base),
        }
        if spec.parent:
            template["contextParentActivityType"] = [v.RESOURCE_LINK.iri(base)]
        if spec.other:
            template["contextOtherActivityType"] = [c.iri(base) for c in spec.other]
        templates.append(template)
    templates.append(
        {
            "id": template_iri(base, "voided"),
            "type": "StatementTemplate",
            "inScheme": version_iri,
            "prefLabel": {"en": "statement voided"},
            "definition": {
                "en": "A learner voids a statement made under a former learner account after "
                "the two records were linked; its re-issued copy follows it."
            },
            "verb": v.VOIDED.iri(base),
            "rules": [
                rule("$.object.objectType", "included", all=["StatementRef"]),
                rule("$.object.id", "included"),
                rule("$.actor.account.homePage", "included", all=[base]),
                rule("$.actor.mbox", "excluded"),
                rule("$.version", "excluded"),
                rule("$.context.registration", "excluded"),
            ],
        }
    )
    return templates


def build_patterns(base: str, version_iri: str) -> list[dict[str, Any]]:
    """The attempt pattern: launches, initialized, the work, completed, then reviews."""

    def pattern(key: str, label: str, definition: str, **body: Any) -> dict[str, Any]:
        out = {"id": pattern_iri(base, key), "type": "Pattern", "inScheme": version_iri}
        out.update(prefLabel={"en": label}, definition={"en": definition}, **body)
        return out

    def t(key: str) -> str:
        return template_iri(base, key)

    summaries = ("rated", "feedback-summary")
    working = [t(k) for k in ("answered", "suspended", "resumed", "launched", *summaries)]
    reviewing = [
        t(k)
        for k in (*summaries, "validated", "competency-assessed", "competency-asserted", "launched")
    ]
    return [
        pattern("attempt", "assessment attempt",
                "The statements of one attempt (one registration): any launches, initialized, "
                "then answers, pauses, resumptions and 360 summaries in any order, completed, "
                "then summaries, supervisor verification and competency statements.",
                primary=True,
                sequence=[pattern_iri(base, "launches"), t("initialized"),
                          pattern_iri(base, "working"), t("completed"),
                          pattern_iri(base, "reviewing")]),
        pattern("launches", "launches", "Any number of launches.", zeroOrMore=t("launched")),
        pattern("working", "working", "Any number of working steps.",
                zeroOrMore=pattern_iri(base, "working-step")),
        pattern("working-step", "working step", "One step while the attempt is open.",
                alternates=working),
        pattern("reviewing", "reviewing", "Any number of review steps.",
                zeroOrMore=pattern_iri(base, "reviewing-step")),
        pattern("reviewing-step", "reviewing step", "One step after the attempt is completed.",
                alternates=reviewing),
    ]  # fmt: skip


def pattern_iri(base: str, key: str) -> str:
    """The IRI of a pattern."""
    return f"{iris.profile_iri(base)}/patterns/{key}"
