"""Professional registration numbers: one canonical form per register, and links by consent.

A platform that opted in may send a learner's GMC, NMC or HCPC number (custom parameter
`professional_registration`). leadpath checks its format, writes it in one canonical form
(``GMC:7000001``, ``NMC:12A3456E``, ``HCPC:PH12345``) and keeps only HMAC(secret key, form).
A match never joins records by itself: it opens an offer that the person behind each identity
confirms in a launch from their own platform (or they use a link code instead). A number held
by two different existing records links nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool import logs
from lti_tool.identity.linking import (
    LinkError,
    Moved,
    keyed_hash,
    launch_platform,
    links_by_registration_number,
    merge_learners,
)
from lti_tool.identity.models import (
    VIA_REGISTRATION,
    PlatformOption,
    ProfessionalRegistration,
    RegistrationLinkOffer,
)
from lti_tool.models import LaunchSession, PlatformUser, utcnow

_SEPARATORS = re.compile(r"[\s\-/.:_]")
_GMC = re.compile(r"^(?:GMC)?(\d{7})$")
_NMC = re.compile(r"^(?:NMC)?(\d{2}[A-Z]\d{4}[A-Z])$")
# HCPC: the profession's code, then up to six digits (e.g. PH123456, PYL12345).
_HCPC_CODES = "AS|BS|CH|CS|DT|HAD|ODP|OR|OT|PA|PH|PO|PYL|RA|SL|SW"
_HCPC = re.compile(rf"^(?:HCPC)?({_HCPC_CODES})(\d{{1,6}})$")


def normalise_registration(raw: object) -> str | None:
    """Return the canonical form of a GMC, NMC or HCPC number, or None when malformed."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    text = _SEPARATORS.sub("", raw).upper()
    if found := _GMC.match(text):
        return f"GMC:{found[1]}"
    if found := _NMC.match(text):
        return f"NMC:{found[1]}"
    if found := _HCPC.match(text):
        return f"HCPC:{found[1]}{int(found[2])}"
    return None


@dataclass(frozen=True)
class Offer:
    """An open offer as one side sees it: the other side's platform only, never its person."""

    id: int
    other_issuer: str
    as_newcomer: bool


def _matches(session: Session, user: PlatformUser, number_hash: str) -> list[PlatformUser]:
    return list(
        session.scalars(
            select(PlatformUser)
            .join(
                ProfessionalRegistration,
                ProfessionalRegistration.platform_user_id == PlatformUser.id,
            )
            .join(
                PlatformOption, PlatformOption.platform_id == ProfessionalRegistration.platform_id
            )
            .where(
                ProfessionalRegistration.number_hash == number_hash,
                ProfessionalRegistration.auto_link.is_(True),
                PlatformOption.link_by_registration_number.is_(True),
                PlatformUser.id != user.id,
                PlatformUser.learner_id != user.learner_id,
            )
            .order_by(PlatformUser.created_at, PlatformUser.id)
        )
    )


def _pair(session: Session, a: int, b: int) -> RegistrationLinkOffer | None:
    return session.scalar(
        select(RegistrationLinkOffer).where(
            or_(
                (RegistrationLinkOffer.newcomer_id == a) & (RegistrationLinkOffer.holder_id == b),
                (RegistrationLinkOffer.newcomer_id == b) & (RegistrationLinkOffer.holder_id == a),
            )
        )
    )


def note_number(session: Session, launch: LaunchSession, raw: str, secret: str) -> None:
    """Keep the number's keyed hash; open an offer when another record holds the same number."""
    platform = launch_platform(session, launch)
    if not links_by_registration_number(session, platform):
        return
    number = normalise_registration(raw)
    if number is None:
        logs.event("registration_number_malformed", issuer=platform.issuer)
        return
    user = launch.platform_user
    number_hash = keyed_hash(secret, "professional-registration", number)
    row = session.get(ProfessionalRegistration, user.id)
    if row is None:
        row = ProfessionalRegistration(platform_user_id=user.id, platform_id=platform.id)
        session.add(row)
    if row.number_hash != number_hash:
        row.auto_link = True
    row.number_hash, row.platform_id, row.updated_at = number_hash, platform.id, utcnow()
    if not row.auto_link:
        return
    matches = _matches(session, user, number_hash)
    if len({m.learner_id for m in matches}) > 1:
        logs.event("registration_number_conflict", issuer=platform.issuer)
        return
    if not matches or _pair(session, user.id, matches[0].id) is not None:
        return
    try:
        with session.begin_nested():
            session.add(RegistrationLinkOffer(newcomer_id=user.id, holder_id=matches[0].id))
    except IntegrityError:
        pass  # the same launch, posted twice at once, opened it already


def open_offers(session: Session, user_id: int) -> list[Offer]:
    """Return the open offers this identity has not confirmed yet."""
    offers = session.scalars(
        select(RegistrationLinkOffer)
        .where(
            RegistrationLinkOffer.status == "open",
            or_(
                (RegistrationLinkOffer.newcomer_id == user_id)
                & RegistrationLinkOffer.newcomer_confirmed_at.is_(None),
                (RegistrationLinkOffer.holder_id == user_id)
                & RegistrationLinkOffer.holder_confirmed_at.is_(None),
            ),
        )
        .order_by(RegistrationLinkOffer.id)
    )
    found = []
    for offer in offers:
        as_newcomer = offer.newcomer_id == user_id
        other = session.get(PlatformUser, offer.holder_id if as_newcomer else offer.newcomer_id)
        found.append(Offer(offer.id, other.issuer, as_newcomer))
    return found


def _offer_of(session: Session, user_id: int, offer_id: int) -> RegistrationLinkOffer:
    offer = session.get(RegistrationLinkOffer, offer_id, with_for_update=True)
    if offer is None or user_id not in (offer.newcomer_id, offer.holder_id):
        raise LinkError("offer_unknown", "There is no such link to confirm.", 404)
    if offer.status != "open":
        raise LinkError("offer_closed", "This link was already confirmed or declined.", 409)
    return offer


def _still_matching(session: Session, offer: RegistrationLinkOffer) -> bool:
    newcomer = session.get(ProfessionalRegistration, offer.newcomer_id)
    holder = session.get(ProfessionalRegistration, offer.holder_id)
    if not newcomer or not holder or newcomer.number_hash != holder.number_hash:
        return False
    if not (newcomer.auto_link and holder.auto_link):
        return False
    user = session.get(PlatformUser, offer.newcomer_id)
    return len({m.learner_id for m in _matches(session, user, newcomer.number_hash)}) == 1


def confirm(session: Session, user_id: int, offer_id: int) -> list[Moved]:
    """Record this side's confirmation; join the records once both sides have confirmed."""
    offer = _offer_of(session, user_id, offer_id)
    now = utcnow()
    if user_id == offer.newcomer_id:
        offer.newcomer_confirmed_at = offer.newcomer_confirmed_at or now
    else:
        offer.holder_confirmed_at = offer.holder_confirmed_at or now
    if offer.newcomer_confirmed_at is None or offer.holder_confirmed_at is None:
        return []
    if not _still_matching(session, offer):
        offer.status, offer.decided_at = "declined", now
        raise LinkError(
            "offer_no_longer_matches",
            "The two accounts no longer share one registration number, or another record "
            "holds it too, so they were not linked.",
            409,
        )
    keep = session.get(PlatformUser, offer.holder_id).learner_id
    gone = session.get(PlatformUser, offer.newcomer_id).learner_id
    offer.status, offer.decided_at = "linked", now
    if keep == gone:
        return []
    return merge_learners(session, keep=keep, gone=gone, via=VIA_REGISTRATION)


def decline(session: Session, user_id: int, offer_id: int) -> None:
    """Decline an offer for good (this pair is not offered again)."""
    offer = _offer_of(session, user_id, offer_id)
    offer.status, offer.decided_at = "declined", utcnow()
