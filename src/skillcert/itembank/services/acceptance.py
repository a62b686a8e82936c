"""Technical acceptance and release (§7.2.6, §7.2.3, §7.2.5): the path of approved items to active ones. A
meeting of bank staff accepts approved items (quorum, backgrounds, every member signs); a release activates the
accepted items and records the exact version of every active item. The manager check and the items'
status labels come from ``services.items``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.core import audit
from skillcert.core.statemachine import require_transition, transition, transition_many

from .. import rules
from ..enums import ACCEPTANCE_MIN_MEMBERS, Background, ItemStatus, MeetingStatus, MeetingVerdict
from ..models import AcceptanceItem, AcceptanceMeeting, AcceptanceMember, Bank, BankRelease, Item
from .items import STATUS_LABELS, require_manager

# --- Technical acceptance (§7.2.6) ---------------------------------------------------------------------

@transaction.atomic
def meeting_create(*, actor, bank_id: int, title: str, held_on, place: str,
                   item_ids: list[int] | None = None) -> AcceptanceMeeting:
    """A meeting over approved items (all of them when ``item_ids`` is None)."""
    bank = Bank.objects.select_for_update().get(pk=bank_id)
    require_manager(actor, bank)
    items = Item.objects.select_for_update(of=("self",)).filter(bank=bank, status=ItemStatus.APPROVED).order_by("pk")
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    items = list(items.exclude(acceptanceitem__meeting__status__in=[MeetingStatus.OPEN, MeetingStatus.CONCLUDED]))
    if not items:
        raise ValidationError(_("没有待验收的试题（审核通过且未列入其他会议）。"))
    if not title.strip() or not place.strip():
        raise ValidationError(_("请填写会议名称和地点。"))
    meeting = AcceptanceMeeting.objects.create(bank=bank, title=title.strip(), held_on=held_on, place=place.strip(),
                                               created_by=actor)
    AcceptanceItem.objects.bulk_create([AcceptanceItem(meeting=meeting, item=i, version_id=i.current_version_id)
                                        for i in items])
    audit.record(actor, "itembank.acceptance.created", target=meeting, data={"items": len(items)})
    return meeting


def _lock_meeting(meeting_id: int) -> AcceptanceMeeting:
    return AcceptanceMeeting.objects.select_for_update(of=("self",)).select_related("bank").get(pk=meeting_id)


@transaction.atomic
def meeting_add_member(*, actor, meeting_id: int, user, background: str) -> AcceptanceMember:
    """§7.2.6.2: members familiar with bank work; a writer may not sit on the acceptance of their own items."""
    meeting = _lock_meeting(meeting_id)
    require_manager(actor, meeting.bank)
    if meeting.status != MeetingStatus.OPEN:
        raise ValidationError(_("会议已形成结论，不能再增加成员。"))
    if background not in Background.values:
        raise ValidationError({"background": _("请选择专业背景。")})
    if not rules.roles_in_bank(user, meeting.bank):
        raise ValidationError({"user": _("%(u)s 不是本题库的工作人员（须持有题库管理员、命题员或审题员角色）。") % {
            "u": user.full_name or user.username}})
    duties.require_different(duties.ITEM_ACCEPTANCE, user, *meeting.items.values_list("author_id", flat=True))
    if meeting.members.filter(user=user).exists():
        raise ValidationError({"user": _("该成员已在验收小组中。")})
    member = AcceptanceMember.objects.create(meeting=meeting, user=user, background=background)
    audit.record(actor, "itembank.acceptance.member_added", target=meeting,
                 data={"user": user.username, "background": background})
    return member


def quorum_problems(meeting: AcceptanceMeeting) -> list[str]:
    members = list(meeting.members.all())
    problems = []
    if len(members) < ACCEPTANCE_MIN_MEMBERS:
        problems.append(_("验收小组应有%(n)d人以上，现有%(c)d人（§7.2.6.2）。") % {
            "n": ACCEPTANCE_MIN_MEMBERS, "c": len(members)})
    missing = [str(label) for value, label in Background.choices if value not in {m.background for m in members}]
    if missing:
        problems.append(_("验收小组缺少%(m)s方面的人员（§7.2.6.2）。") % {"m": "、".join(missing)})
    return problems


@transaction.atomic
def meeting_conclude(*, actor, meeting_id: int, verdict: str, minutes: str) -> AcceptanceMeeting:
    """Record the result and the panel's opinions; then every member signs (§7.2.6.3)."""
    meeting = _lock_meeting(meeting_id)
    require_manager(actor, meeting.bank)
    require_transition(AcceptanceMeeting.TRANSITIONS, meeting.status, MeetingStatus.CONCLUDED,
                       labels=dict(MeetingStatus.choices))
    if verdict not in MeetingVerdict.values:
        raise ValidationError({"verdict": _("请选择验收结论。")})
    if not minutes.strip():
        raise ValidationError({"minutes": _("请填写会议纪要与验收意见。")})
    problems = quorum_problems(meeting)
    if problems:
        raise ValidationError(problems)
    transition(meeting, MeetingStatus.CONCLUDED, verdict=verdict, minutes=minutes.strip())
    audit.record(actor, "itembank.acceptance.concluded", target=meeting, data={"verdict": verdict})
    return meeting


@transaction.atomic
def meeting_sign(*, actor, meeting_id: int) -> AcceptanceMember:
    meeting = _lock_meeting(meeting_id)
    member = meeting.members.select_for_update(of=("self",)).filter(user=actor).first()
    if member is None:
        raise PermissionDenied(_("您不是该验收小组的成员。"))
    if meeting.status != MeetingStatus.CONCLUDED:
        raise ValidationError(_("会议形成验收结论后才能签字。"))
    if member.signed_at:
        raise ValidationError(_("您已签字。"))
    member.signed_at = timezone.now()
    member.save(update_fields=["signed_at"])
    audit.record(actor, "itembank.acceptance.signed", target=meeting, data={"verdict": meeting.verdict})
    return member


@transaction.atomic
def meeting_close(*, actor, meeting_id: int) -> AcceptanceMeeting:
    """All members signed: items pass to accepted, or go back for rework (§7.2.6.4)."""
    meeting = _lock_meeting(meeting_id)
    require_manager(actor, meeting.bank)
    require_transition(AcceptanceMeeting.TRANSITIONS, meeting.status, MeetingStatus.CLOSED,
                       labels=dict(MeetingStatus.choices))
    unsigned = [m.user.full_name or m.user.username for m in meeting.members.filter(signed_at__isnull=True)]
    if unsigned:
        raise ValidationError(_("验收结果须全体成员签字（§7.2.6.3），尚未签字：%(u)s。") % {"u": "、".join(unsigned)})
    problems = quorum_problems(meeting)
    if problems:
        raise ValidationError(problems)
    target = ItemStatus.ACCEPTED if meeting.verdict == MeetingVerdict.PASS else ItemStatus.RETURNED
    rows = AcceptanceItem.objects.filter(meeting=meeting).select_related("item")
    moved = []
    for row in rows:
        item = Item.objects.select_for_update(of=("self",)).get(pk=row.item_id)
        if item.status != ItemStatus.APPROVED or item.current_version_id != row.version_id:
            raise ValidationError(_("试题 %(c)s 在会议期间发生了变化，请重新组织验收。") % {"c": item.code})
        transition(item, target, labels=STATUS_LABELS)
        moved.append(item.code)
    transition(meeting, MeetingStatus.CLOSED, closed_at=timezone.now())
    audit.record(actor, "itembank.acceptance.closed", target=meeting, data={"verdict": meeting.verdict,
                                                                           "to": target, "items": moved})
    return meeting


# --- Release (§7.2.3, §7.2.5) ----------------------------------------------------------------------------

NOTE_KEYS = "abcdef"
REVISION_KEYS = "abc"


@transaction.atomic
def release_create(*, actor, bank_id: int, notes: dict[str, str], revision: dict[str, str]) -> BankRelease:
    """Accepted items become active; the release records the exact versions of every active item."""
    from ..selectors import current_blueprint

    bank = Bank.objects.select_for_update().get(pk=bank_id)
    require_manager(actor, bank)
    blueprint = current_blueprint(bank)
    if blueprint is None:
        raise ValidationError(_("本题库尚无审定的细目表。"))
    notes = {k: str(notes.get(k, "")).strip() for k in NOTE_KEYS}
    revision = {k: str(revision.get(k, "")).strip() for k in REVISION_KEYS}
    errors = {f"note_{k}": _("编制说明各项（§7.2.3 a–f）都须填写。") for k, v in notes.items() if not v}
    previous = bank.releases.order_by("-number").first()
    if previous:
        message = _("更新发布须附修订记录（§7.2.5 a–c）。")
        errors.update({f"revision_{k}": message for k, v in revision.items() if not v})
    if errors:
        raise ValidationError(errors)
    accepted = list(Item.objects.select_for_update(of=("self",)).filter(bank=bank, status=ItemStatus.ACCEPTED)
                    .order_by("pk"))
    if not accepted and previous:
        raise ValidationError(_("没有新验收的试题，无需发布。"))
    transition_many(Item.objects.filter(pk__in=[item.pk for item in accepted]), ItemStatus.ACTIVE,
                    labels=STATUS_LABELS)
    release = BankRelease.objects.create(bank=bank, number=(previous.number + 1) if previous else 1,
                                         blueprint=blueprint, notes=notes, revision=revision, released_by=actor)
    version_ids = list(Item.objects.filter(bank=bank, status=ItemStatus.ACTIVE)
                       .values_list("current_version_id", flat=True))
    release.item_versions.through.objects.bulk_create([
        release.item_versions.through(bankrelease_id=release.pk, itemversion_id=v) for v in version_ids])
    audit.record(actor, "itembank.release.created", target=release, data={
        "number": release.number, "activated": len(accepted), "items": len(version_ids),
        "blueprint": blueprint.version})
    return release
