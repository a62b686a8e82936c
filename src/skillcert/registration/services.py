"""Announcement writes (§6.1.2) with the filed-scope and region checks of §6.8.1 b, c."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import rules
from skillcert.accounts.enums import OrgKind, Role
from skillcert.accounts.models import FiledScope, Organisation
from skillcert.catalog.models import Level, Occupation, Trade
from skillcert.core import audit
from skillcert.core.statemachine import require_transition

from .enums import ANNOUNCEMENT_TRANSITIONS, AnnouncementStatus
from .models import Announcement, AnnouncementOffer

EDITORS = (Role.BODY_ADMIN, Role.EXAM_AFFAIRS)


@dataclass(frozen=True)
class Offer:
    occupation: Occupation
    trade: Trade | None
    level: Level
    fee_fen: int


def _filed_scope_keys(body: Organisation) -> set[tuple[int, int | None, int]]:
    """(occupation, trade or None for every trade, level) rows of the body's filed scope, in one query."""
    return set(FiledScope.objects.filter(organisation=body).values_list("occupation_id", "trade_id", "level_id"))


def _in_filed_scope(scope: set[tuple[int, int | None, int]], offer: Offer) -> bool:
    occ, level = offer.occupation.pk, offer.level.pk
    return (occ, None, level) in scope or (offer.trade is not None and (occ, offer.trade.pk, level) in scope)


def check_offers(body: Organisation, offers: list[Offer]) -> None:
    """§6.8.1 b: every offer inside the body's filed scope; each row's problem named."""
    if not offers:
        raise ValidationError({"offers": _("公告至少应包含一个认定职业、工种和等级。")})
    errors, seen, scope = [], set(), _filed_scope_keys(body)
    for i, o in enumerate(offers, start=1):
        label = f"{o.occupation.name} / {o.trade.name if o.trade else _('全部工种')} / {o.level}"
        key = (o.occupation.pk, o.trade.pk if o.trade else None, o.level.pk)
        if key in seen:
            errors.append(_("第%(i)d行（%(label)s）重复。") % {"i": i, "label": label})
        seen.add(key)
        if o.trade is not None and o.trade.occupation_id != o.occupation.pk:
            errors.append(_("第%(i)d行：工种“%(t)s”不属于该职业。") % {"i": i, "t": o.trade.name})
        elif not _in_filed_scope(scope, o):
            errors.append(_("第%(i)d行（%(label)s）超出本机构的备案范围，不能在公告中提供（§6.8.1 b）。")
                          % {"i": i, "label": label})
        if o.fee_fen < 0:
            errors.append(_("第%(i)d行：收费标准不能为负数。") % {"i": i})
    if errors:
        raise ValidationError({"offers": errors})


def check_venues(body: Organisation, venues: list[Organisation]) -> None:
    """§6.8.1 c: venues are the body's own and in its province (no cross-region certification)."""
    errors = []
    for v in venues:
        if v.kind != OrgKind.VENUE or v.parent_id != body.pk:
            errors.append(_("“%(v)s”不是本机构的考点。") % {"v": v.name})
        elif v.region_code[:2] != body.region_code[:2]:
            errors.append(_("考点“%(v)s”不在本机构所在省份，不能跨区域认定（§6.8.1 c）。") % {"v": v.name})
    if errors:
        raise ValidationError({"venues": errors})


@transaction.atomic
def announcement_create(*, actor, body: Organisation, title: str, eligibility: str, assessment_method: str,
                        registration_opens: dt.datetime, registration_closes: dt.datetime, offers: list[Offer],
                        venues: list[Organisation], text: str = "", exam_areas: str = "") -> Announcement:
    if body.kind != OrgKind.BODY or not rules.has_role(actor, *EDITORS, org=body):
        raise PermissionDenied(_("您无权为该机构编制认定公告。"))
    if registration_closes <= registration_opens:
        raise ValidationError({"registration_closes": _("报名截止时间必须晚于开始时间。")})
    check_offers(body, offers)
    check_venues(body, venues)
    ann = Announcement(body=body, title=title, text=text, eligibility=eligibility,
                       assessment_method=assessment_method, exam_areas=exam_areas,
                       registration_opens=registration_opens, registration_closes=registration_closes,
                       created_by=actor)
    ann.full_clean(exclude=["venues"])
    ann.save()
    ann.venues.set(venues)
    AnnouncementOffer.objects.bulk_create([
        AnnouncementOffer(announcement=ann, occupation=o.occupation, trade=o.trade, level=o.level, fee_fen=o.fee_fen)
        for o in offers])
    audit.record(actor, "registration.announcement.created", target=ann, data={
        "title": title, "offers": [[o.occupation.code, o.trade.name if o.trade else None, o.level.number, o.fee_fen]
                                   for o in offers], "venues": [v.pk for v in venues]})
    return ann


@transaction.atomic
def announcement_transition(*, actor, announcement_id: int, target: str) -> Announcement:
    """Move along draft → published → closed → archived; publishing re-checks scope and region."""
    ann = Announcement.objects.select_for_update().get(pk=announcement_id)
    if not rules.has_role(actor, *EDITORS, org=ann.body_id):
        raise PermissionDenied(_("您无权变更该公告的状态。"))
    labels = dict(AnnouncementStatus.choices)
    require_transition(ANNOUNCEMENT_TRANSITIONS, ann.status, target, labels=labels)
    if target == AnnouncementStatus.PUBLISHED:
        # The filed scope may have changed since the draft was written.
        check_offers(ann.body, [Offer(o.occupation, o.trade, o.level, o.fee_fen)
                                for o in ann.offers.select_related("occupation", "trade", "level")])
        check_venues(ann.body, list(ann.venues.all()))
        ann.published_at = timezone.now()
    previous, ann.status = ann.status, target
    ann.save(update_fields=["status", "published_at", "updated_at"])
    audit.record(actor, f"registration.announcement.{target}", target=ann,
                 data={"status": {"old": previous, "new": target}})
    return ann
