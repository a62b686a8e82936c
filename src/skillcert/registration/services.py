"""Plan, announcement and rule-set writes (§6.1.2, §6.1.4) with the filed-scope and region
checks of §6.8.1 b, c. Each service checks permission, validates, locks, writes and audits in
one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts.enums import OrgKind
from skillcert.accounts.models import FiledScope, Organisation
from skillcert.catalog.models import Level, Occupation, Trade
from skillcert.core import audit
from skillcert.core.statemachine import require_transition, transition

from . import rules as registration_rules
from .eligibility import CARBON_EMISSION_MANAGER_DEFAULTS, validate_rule_set
from .enums import ANNOUNCEMENT_TRANSITIONS, AnnouncementStatus
from .models import Announcement, AnnouncementOffer, AnnualPlan, AnnualPlanRow, EligibilityRuleSet


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


def _offer_rows(offers: list[Offer]) -> list[list]:
    return [[o.occupation.code, o.trade.name if o.trade else None, o.level.number, o.fee_fen] for o in offers]


@transaction.atomic
def announcement_create(*, actor, body: Organisation, title: str, eligibility: str, assessment_method: str,
                        registration_opens: dt.datetime, registration_closes: dt.datetime, offers: list[Offer],
                        venues: list[Organisation], text: str = "", exam_areas: str = "") -> Announcement:
    if body.kind != OrgKind.BODY or not registration_rules.edits_registration(actor, body):
        raise PermissionDenied(_("您无权为该机构编制认定公告。"))
    _check_window(registration_opens, registration_closes)
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
        "title": title, "offers": _offer_rows(offers), "venues": [v.pk for v in venues]})
    return ann


def _check_window(opens: dt.datetime, closes: dt.datetime) -> None:
    if closes <= opens:
        raise ValidationError({"registration_closes": _("报名截止时间必须晚于开始时间。")})


ANNOUNCEMENT_TEXT_FIELDS = ("title", "text", "eligibility", "assessment_method", "exam_areas",
                            "registration_opens", "registration_closes")


@transaction.atomic
def announcement_update(*, actor, announcement_id: int, offers: list[Offer], venues: list[Organisation],
                        **fields) -> Announcement:
    """Edit a draft. Once published, the text candidates relied on is frozen (a new announcement
    is issued instead), except that the window may be extended while registration is open."""
    ann = Announcement.objects.select_for_update(of=("self",)).select_related("body").get(pk=announcement_id)
    if not registration_rules.edits_registration(actor, ann.body_id):
        raise PermissionDenied(_("您无权修改该公告。"))
    if ann.status != AnnouncementStatus.DRAFT:
        raise ValidationError(_("只有草稿状态的公告可以修改；已发布的公告请另行发布更正公告。"))
    unknown = set(fields) - set(ANNOUNCEMENT_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    before = {f: getattr(ann, f) for f in ANNOUNCEMENT_TEXT_FIELDS}
    before["offers"] = _offer_rows([Offer(o.occupation, o.trade, o.level, o.fee_fen)
                                    for o in ann.offers.select_related("occupation", "trade", "level")])
    before["venues"] = sorted(ann.venues.values_list("pk", flat=True))
    for name, value in fields.items():
        setattr(ann, name, value)
    _check_window(ann.registration_opens, ann.registration_closes)
    check_offers(ann.body, offers)
    check_venues(ann.body, venues)
    ann.full_clean(exclude=["venues"])
    ann.save()
    ann.venues.set(venues)
    ann.offers.all().delete()
    AnnouncementOffer.objects.bulk_create([
        AnnouncementOffer(announcement=ann, occupation=o.occupation, trade=o.trade, level=o.level, fee_fen=o.fee_fen)
        for o in offers])
    after = {f: getattr(ann, f) for f in ANNOUNCEMENT_TEXT_FIELDS}
    after["offers"] = _offer_rows(offers)
    after["venues"] = sorted(v.pk for v in venues)
    audit.record_changes(actor, "registration.announcement.updated", target=ann, before=before, after=after)
    return ann


@transaction.atomic
def announcement_transition(*, actor, announcement_id: int, target: str) -> Announcement:
    """Move along draft → published → closed → archived; publishing re-checks scope and region."""
    ann = Announcement.objects.select_for_update().get(pk=announcement_id)
    if not registration_rules.edits_registration(actor, ann.body_id):
        raise PermissionDenied(_("您无权变更该公告的状态。"))
    labels = dict(AnnouncementStatus.choices)
    require_transition(ANNOUNCEMENT_TRANSITIONS, ann.status, target, labels=labels)
    if target == AnnouncementStatus.PUBLISHED:
        # The filed scope may have changed since the draft was written.
        check_offers(ann.body, [Offer(o.occupation, o.trade, o.level, o.fee_fen)
                                for o in ann.offers.select_related("occupation", "trade", "level")])
        check_venues(ann.body, list(ann.venues.all()))
        ann.published_at = timezone.now()
    previous = transition(ann, target, labels=labels, published_at=ann.published_at)
    audit.record(actor, f"registration.announcement.{target}", target=ann,
                 data={"status": {"old": previous, "new": target}})
    return ann


# --- Annual plan (年度工作计划, §6.1.2, §6.7.3) -------------------------------------------------

@transaction.atomic
def plan_create(*, actor, body: Organisation, year: int, notes: str = "") -> AnnualPlan:
    if body.kind != OrgKind.BODY or not registration_rules.edits_registration(actor, body):
        raise PermissionDenied(_("您无权为该机构编制年度工作计划。"))
    if AnnualPlan.objects.filter(body=body, year=year).exists():
        raise ValidationError({"year": _("%(y)d年度的工作计划已存在，请直接编辑。") % {"y": year}})
    plan = AnnualPlan(body=body, year=year, notes=notes, created_by=actor)
    plan.full_clean()
    plan.save()
    audit.record(actor, "registration.plan.created", target=plan, data={"year": year})
    return plan


@transaction.atomic
def plan_row_add(*, actor, plan_id: int, occupation: Occupation, trade: Trade | None, level: Level, month: int,
                 planned_candidates: int, notes: str = "") -> AnnualPlanRow:
    """A planned batch must lie inside the filed scope, like an announcement's offers (§6.8.1 b)."""
    plan = AnnualPlan.objects.select_for_update(of=("self",)).select_related("body").get(pk=plan_id)
    if not registration_rules.edits_registration(actor, plan.body_id):
        raise PermissionDenied(_("您无权修改该年度工作计划。"))
    if trade is not None and trade.occupation_id != occupation.pk:
        raise ValidationError({"trade": _("工种“%(t)s”不属于该职业。") % {"t": trade.name}})
    if not _in_filed_scope(_filed_scope_keys(plan.body), Offer(occupation, trade, level, 0)):
        raise ValidationError({"level": _("%(o)s / %(t)s / %(l)s 超出本机构的备案范围（§6.8.1 b）。") % {
            "o": occupation.name, "t": trade.name if trade else _("全部工种"), "l": level}})
    row = AnnualPlanRow(plan=plan, occupation=occupation, trade=trade, level=level, month=month,
                        planned_candidates=planned_candidates, notes=notes)
    row.full_clean()
    row.save()
    audit.record(actor, "registration.plan.row_added", target=plan, data={
        "row": row.pk, "occupation": occupation.code, "trade": trade.name if trade else None,
        "level": level.number, "month": month, "planned_candidates": planned_candidates})
    return row


@transaction.atomic
def plan_row_delete(*, actor, row_id: int) -> None:
    row = AnnualPlanRow.objects.select_related("plan", "occupation", "trade", "level").get(pk=row_id)
    plan = AnnualPlan.objects.select_for_update().get(pk=row.plan_id)
    if not registration_rules.edits_registration(actor, plan.body_id):
        raise PermissionDenied(_("您无权修改该年度工作计划。"))
    audit.record(actor, "registration.plan.row_deleted", target=plan, data={
        "row": row.pk, "occupation": row.occupation.code, "trade": row.trade.name if row.trade else None,
        "level": row.level.number, "month": row.month, "planned_candidates": row.planned_candidates})
    row.delete()


# --- Eligibility rule sets (申报条件, §6.1.4) ---------------------------------------------------

def builtin_rule_set(occupation: Occupation, level: Level) -> list | None:
    """The shipped, editable example for the carbon emission manager; None for other occupations."""
    if occupation.code == "4-09-07-04":
        return CARBON_EMISSION_MANAGER_DEFAULTS.get(level.number)
    return None


def effective_rule_set(body_id: int, occupation: Occupation, level: Level, announcement_id: int | None = None
                       ) -> tuple[list | None, str]:
    """The rules that apply, and where they come from: "announcement", "body" or "example"."""
    rows = EligibilityRuleSet.objects.filter(body_id=body_id, occupation=occupation, level=level)
    if announcement_id is not None:
        special = rows.filter(announcement_id=announcement_id).first()
        if special:
            return special.rules, "announcement"
    own = rows.filter(announcement__isnull=True).first()
    if own:
        return own.rules, "body"
    return builtin_rule_set(occupation, level), "example"


@transaction.atomic
def rule_set_save(*, actor, body: Organisation, occupation: Occupation, level: Level, rules_data,
                  announcement: Announcement | None = None, note: str = "") -> EligibilityRuleSet:
    if not registration_rules.edits_registration(actor, body):
        raise PermissionDenied(_("您无权修改该机构的申报条件。"))
    if announcement is not None and announcement.body_id != body.pk:
        raise ValidationError({"announcement": _("该公告不属于本机构。")})
    if not occupation.levels.filter(pk=level.pk).exists():
        raise ValidationError({"level": _("该职业没有这一等级。")})
    try:
        validate_rule_set(rules_data)
    except ValidationError as exc:
        raise ValidationError({"rules": exc.messages}) from None
    existing = (EligibilityRuleSet.objects.select_for_update()
                .filter(body=body, occupation=occupation, level=level, announcement=announcement).first())
    before = existing.rules if existing else None
    if existing is None:
        existing = EligibilityRuleSet(body=body, occupation=occupation, level=level, announcement=announcement)
    existing.rules, existing.note, existing.updated_by = rules_data, note, actor
    existing.save()
    audit.record(actor, "registration.rule_set.saved", target=existing, data={
        "occupation": occupation.code, "level": level.number,
        "announcement": announcement.pk if announcement else None, "old": before, "new": rules_data})
    return existing
