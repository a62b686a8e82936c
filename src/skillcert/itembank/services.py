"""Every write to the bank (§7.2, §7.3): banks, items and their versions, the review workflow,
acceptance meetings, releases, the usage ledger, problem reports and exports — and every read of
content, which is audited with the reader (§7.3.3 责任可追溯). Each service checks permission,
validates, locks, writes and audits in one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.accounts.enums import Role
from skillcert.core import audit
from skillcert.core.crypto import keyring
from skillcert.core.statemachine import require_transition, transition, transition_many

from . import content as content_mod
from . import exchange, rules
from .enums import (
    ACCEPTANCE_MIN_MEMBERS,
    EDITABLE_STATUSES,
    EXPORT_VALID_HOURS,
    REVIEW_CHECKLIST,
    TYPE_CODE_PREFIX,
    TYPE_PART,
    Background,
    ExportFormat,
    ExportStatus,
    ItemStatus,
    MeetingStatus,
    MeetingVerdict,
    Part,
    ProblemStatus,
    ReviewDecision,
)
from .meta import META_FIELDS, clean_meta
from .models import (
    AcceptanceItem,
    AcceptanceMeeting,
    AcceptanceMember,
    Bank,
    BankRelease,
    ExportRequest,
    Item,
    ItemAttachment,
    ItemProblem,
    ItemReview,
    ItemUsage,
    ItemVersion,
)

STATUS_LABELS = dict(ItemStatus.choices)
MAX_ATTACHMENT = content_mod.MAX_ATTACHMENT


def _transition(item: Item, target: str, **changes) -> None:
    transition(item, target, labels=STATUS_LABELS, **changes)


# --- Banks ----------------------------------------------------------------------------------------

@transaction.atomic
def bank_create(*, actor, body, occupation, trade, level) -> Bank:
    if not rules.creates_banks(actor, body):
        raise PermissionDenied(_("只有本机构的题库管理员可以建立题库。"))
    if trade is not None and trade.occupation_id != occupation.pk:
        raise ValidationError({"trade": _("工种不属于所选职业。")})
    if not occupation.levels.filter(pk=level.pk).exists():
        raise ValidationError({"level": _("该职业不设此等级。")})
    if Bank.objects.filter(body=body, occupation=occupation, trade=trade, level=level).exists():
        raise ValidationError(_("该工种和等级的题库已存在。"))
    bank = Bank.objects.create(body=body, occupation=occupation, trade=trade, level=level)
    if not rules.manages(actor, bank):  # e.g. the manager's role is for another occupation
        raise PermissionDenied(_("您的题库管理员角色不包括该职业。"))
    audit.record(actor, "itembank.bank.created", target=bank, data={"bank": str(bank)})
    return bank


# --- Items and versions ---------------------------------------------------------------------------

def element_codes(bank: Bank) -> set[str] | None:
    from .selectors import current_blueprint

    blueprint = current_blueprint(bank)
    if blueprint is None:
        return None
    return set(blueprint.nodes.filter(depth=3).values_list("code", flat=True))


def _element_part(bank: Bank, code: str) -> str | None:
    from .selectors import current_blueprint

    node = current_blueprint(bank).nodes.filter(code=code).first()
    return node.part if node else None


def _check_part(bank: Bank, meta: dict[str, Any]) -> None:
    part = _element_part(bank, meta["element_code"])
    if part and part != TYPE_PART[meta["type"]]:
        raise ValidationError({"element_code": _("认定点“%(c)s”属于%(p)s部分，与题型不符。") % {
            "c": meta["element_code"], "p": dict(Part.choices)[part]}})


def _check_attachments(item: Item | None, content: dict[str, Any]) -> None:
    ids = content.get("attachments") or []
    if not ids:
        return
    have = set(ItemAttachment.objects.filter(item=item, pk__in=ids).values_list("pk", flat=True)) if item else set()
    missing = [str(i) for i in ids if i not in have]
    if missing:
        raise ValidationError({"attachments": _("附图 #%(ids)s 不属于本题。") % {"ids": "、#".join(missing)}})


def _new_version(item: Item, content: dict[str, Any], *, actor, note: str = "",
                 restored_from: int | None = None) -> ItemVersion:
    number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ItemVersion(item=item, number=number, note=note[:200], restored_from=restored_from, created_by=actor,
                          meta={f: getattr(item, f) for f in META_FIELDS}, digest=content_mod.digest(content))
    version.key_id, version.sealed = content_mod.seal(content, version.aad())
    version.save()
    item.current_version = version
    return version


def _next_code(bank: Bank, item_type: str) -> str:
    Bank.objects.filter(pk=bank.pk).update(item_seq=F("item_seq") + 1)
    bank.refresh_from_db(fields=["item_seq"])
    return f"{TYPE_CODE_PREFIX[TYPE_PART[item_type]]}{bank.item_seq:06d}"


@transaction.atomic
def item_create(*, actor, bank_id: int, meta: dict[str, Any], content: dict[str, Any], note: str = "") -> Item:
    """A new draft item written by ``actor`` (§7.2.2.4), with its first version."""
    bank = Bank.objects.select_for_update(of=("self",)).select_related("level").get(pk=bank_id)
    if not rules.writes(actor, bank):
        raise PermissionDenied(_("只有本题库的命题员可以编写试题。"))
    meta = clean_meta(bank, meta, element_codes=element_codes(bank))
    _check_part(bank, meta)
    clean = content_mod.normalise(meta["type"], content)
    _check_attachments(None, clean)
    item = Item.objects.create(bank=bank, code=_next_code(bank, meta["type"]), part=TYPE_PART[meta["type"]],
                               author=actor, **meta)
    _new_version(item, clean, actor=actor, note=note or _("新建"))
    item.save(update_fields=["current_version"])
    audit.record(actor, "itembank.item.created", target=item, data={"version": 1, **meta})
    return item


def _lock_item(item_id: int) -> Item:
    return Item.objects.select_for_update(of=("self",)).select_related("bank__level").get(pk=item_id)


def _require_author(actor, item: Item) -> None:
    if not (item.author_id == actor.pk and rules.writes(actor, item.bank)) and not rules.manages(actor, item.bank):
        raise PermissionDenied(_("只有命题人本人或题库管理员可以修改该试题。"))


@transaction.atomic
def item_edit(*, actor, item_id: int, meta: dict[str, Any], content: dict[str, Any], note: str = "") -> Item:
    """A content or metadata edit: a new immutable version; earlier versions are never touched."""
    item = _lock_item(item_id)
    _require_author(actor, item)
    if item.status not in EDITABLE_STATUSES:
        raise ValidationError(_("只有草稿或退回修改的试题可以修改；启用中的试题请先“修订”。"))
    new_meta = clean_meta(item.bank, meta, element_codes=element_codes(item.bank))
    if TYPE_PART[new_meta["type"]] != item.part:
        raise ValidationError({"type": _("不能把试题改为另一部分的题型，请新建试题。")})
    _check_part(item.bank, new_meta)
    clean = content_mod.normalise(new_meta["type"], content)
    _check_attachments(item, clean)
    before = {f: getattr(item, f) for f in META_FIELDS}
    if new_meta == before and content_mod.digest(clean) == item.current_version.digest:
        raise ValidationError(_("内容没有变化，未生成新版本。"))
    for field, value in new_meta.items():
        setattr(item, field, value)
    version = _new_version(item, clean, actor=actor, note=note)
    item.save()
    audit.record_changes(actor, "itembank.item.edited", target=item, before=before, after=new_meta,
                         extra={"version": version.number, "content_changed": True})
    return item


@transaction.atomic
def item_restore(*, actor, item_id: int, number: int) -> Item:
    """Restore an old version as a new one (§7.2.3 c: the history stays complete)."""
    item = _lock_item(item_id)
    _require_author(actor, item)
    if item.status not in EDITABLE_STATUSES:
        raise ValidationError(_("只有草稿或退回修改的试题可以恢复旧版本；启用中的试题请先“修订”。"))
    old = item.versions.filter(number=number).first()
    if old is None:
        raise ValidationError(_("没有第%(n)d版。") % {"n": number})
    if old.pk == item.current_version_id:
        raise ValidationError(_("第%(n)d版就是当前版本。") % {"n": number})
    data = content_mod.open_sealed(old.key_id, old.sealed, old.aad())
    for field in META_FIELDS:
        if field in old.meta:
            setattr(item, field, old.meta[field])
    version = _new_version(item, data, actor=actor, note=_("恢复第%(n)d版") % {"n": number}, restored_from=number)
    item.save()
    audit.record(actor, "itembank.item.restored", target=item, data={"from": number, "version": version.number})
    return item


@transaction.atomic
def attachment_add(*, actor, item_id: int, upload) -> ItemAttachment:
    """A PNG or JPEG figure for the item, sealed like its text."""
    item = _lock_item(item_id)
    _require_author(actor, item)
    if item.status not in EDITABLE_STATUSES:
        raise ValidationError({"file": _("只有草稿或退回修改的试题可以添加附图。")})
    data = content_mod.attachment_bytes(upload)
    kind = content_mod.check_attachment(data)
    att = ItemAttachment(item=item, name=str(upload.name)[-120:], content_type=f"image/{kind.lower()}",
                         size=len(data), digest=hashlib.sha256(data).hexdigest(), created_by=actor)
    att.key_id, att.sealed = keyring().seal(data, att.aad())
    att.save()
    audit.record(actor, "itembank.attachment.added", target=item, data={"attachment": att.pk, "name": att.name})
    return att


# --- Reading content (audited) --------------------------------------------------------------------

def _require_reader(actor, item: Item) -> None:
    if not rules.may_read_content(actor, item):
        raise PermissionDenied(_("您无权查看该试题的内容。"))


@transaction.atomic
def item_content(*, actor, item: Item, number: int | None = None, purpose: str = "view") -> dict[str, Any]:
    """Open one version's content for ``actor`` and record the read (who, which version, why)."""
    _require_reader(actor, item)
    version = item.versions.get(number=number) if number else item.current_version
    data = content_mod.open_sealed(version.key_id, version.sealed, version.aad())
    audit.record(actor, "itembank.item.content_read", target=item, data={"version": version.number,
                                                                         "purpose": purpose})
    return data


@transaction.atomic
def contents_for(*, actor, versions: Iterable[ItemVersion], purpose: str) -> dict[int, dict[str, Any]]:
    """Open many versions at once (preview, print, export): one audit entry lists every item read."""
    versions = list(versions)
    items = {v.item_id: v.item for v in versions}
    for item in items.values():
        _require_reader(actor, item)
    ring = keyring()
    opened = {v.pk: json.loads(ring.open(v.key_id, v.sealed, v.aad())) for v in versions}
    if versions:
        audit.record(actor, "itembank.item.content_read_bulk", target=versions[0].item.bank, data={
            "purpose": purpose, "versions": [f"{v.item.code}@v{v.number}" for v in versions]})
    return opened


@transaction.atomic
def attachment_bytes(*, actor, attachment: ItemAttachment) -> bytes:
    _require_reader(actor, attachment.item)
    data = keyring().open(attachment.key_id, attachment.sealed, attachment.aad())
    audit.record(actor, "itembank.attachment.read", target=attachment.item, data={"attachment": attachment.pk})
    return data


# --- Workflow (§7.2.2, §7.2.4) ------------------------------------------------------------------------

@transaction.atomic
def item_transition(*, actor, item_id: int, target: str) -> Item:
    """Submit, withdraw, take for review, retire or take back for revision. Review decisions, acceptance
    and release have their own services."""
    item = _lock_item(item_id)
    before = item.status
    if target == ItemStatus.SUBMITTED or (target == ItemStatus.DRAFT and before == ItemStatus.SUBMITTED):
        _require_author(actor, item)
    elif target == ItemStatus.IN_REVIEW:
        if not rules.reviews(actor, item.bank):
            raise PermissionDenied(_("只有本题库的审题员可以审核试题。"))
        duties.require_different(duties.ITEM_REVIEW, actor, *_writers(item))
        item.reviewer = actor
    elif target in (ItemStatus.RETIRED, ItemStatus.DRAFT):
        if not rules.manages(actor, item.bank):
            raise PermissionDenied(_("只有题库管理员可以停用或修订启用中的试题。"))
    else:
        raise ValidationError(_("该操作须通过审核、验收或发布完成。"))
    _transition(item, target, reviewer=None if target == ItemStatus.DRAFT else item.reviewer)
    audit.record(actor, "itembank.item.transition", target=item, data={"from": before, "to": target})
    return item


def _writers(item: Item) -> set[int]:
    """The item's author and everyone who wrote one of its versions count as its writers."""
    return {item.author_id, *item.versions.values_list("created_by_id", flat=True)}


@transaction.atomic
def item_review(*, actor, item_id: int, checklist: dict[str, bool], decision: str, comments: str = "") -> ItemReview:
    """The §7.2.4 review: every checklist point answered; approval needs all four, a return needs comments."""
    item = _lock_item(item_id)
    if not rules.reviews(actor, item.bank):
        raise PermissionDenied(_("只有本题库的审题员可以审核试题。"))
    duties.require_different(duties.ITEM_REVIEW, actor, *_writers(item))
    if item.status != ItemStatus.IN_REVIEW or item.reviewer_id != actor.pk:
        raise ValidationError(_("请先领取该试题进行审核。"))
    answers = {k: bool(checklist.get(k)) for k in REVIEW_CHECKLIST}
    comments = comments.strip()
    if decision == ReviewDecision.APPROVE and not all(answers.values()):
        raise ValidationError({"checklist": _("审核要点 a–d 全部符合才能通过（§7.2.4）。")})
    if decision == ReviewDecision.RETURN and not comments:
        raise ValidationError({"comments": _("退回修改须写明审核意见。")})
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("请选择审核结论。")})
    review = ItemReview.objects.create(item=item, version=item.current_version, reviewer=actor, checklist=answers,
                                       decision=decision, comments=comments)
    before = item.status
    _transition(item, ItemStatus.APPROVED if decision == ReviewDecision.APPROVE else ItemStatus.RETURNED)
    audit.record(actor, "itembank.item.reviewed", target=item, data={
        "from": before, "to": item.status, "version": item.current_version.number, "checklist": answers,
        "comments": comments})
    return review


# --- Technical acceptance (§7.2.6) ---------------------------------------------------------------------

def _require_manager(actor, bank: Bank, message: str | None = None) -> None:
    if not rules.manages(actor, bank):
        raise PermissionDenied(message or _("只有本题库的题库管理员可以执行此操作。"))


@transaction.atomic
def meeting_create(*, actor, bank_id: int, title: str, held_on, place: str,
                   item_ids: list[int] | None = None) -> AcceptanceMeeting:
    """A meeting over approved items (all of them when ``item_ids`` is None)."""
    bank = Bank.objects.select_for_update().get(pk=bank_id)
    _require_manager(actor, bank)
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
    _require_manager(actor, meeting.bank)
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
    _require_manager(actor, meeting.bank)
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
    _require_manager(actor, meeting.bank)
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
        _transition(item, target)
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
    from .selectors import current_blueprint

    bank = Bank.objects.select_for_update().get(pk=bank_id)
    _require_manager(actor, bank)
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


# --- Usage ledger and problems (§7.3.1, §7.3.3) -------------------------------------------------------------

@transaction.atomic
def record_usage(*, actor, version_ids: list[int], paper_ref: str) -> int:
    """Called when a paper is built from item versions: ledger rows plus exposure counts."""
    versions = list(ItemVersion.objects.filter(pk__in=version_ids).select_related("item__bank"))
    if len(versions) != len(set(version_ids)):
        raise ValidationError(_("有试题版本不存在。"))
    for v in versions:
        if v.item.status != ItemStatus.ACTIVE:
            raise ValidationError(_("试题 %(c)s 不是启用状态，不能组卷。") % {"c": v.item.code})
    now = timezone.now()
    ItemUsage.objects.bulk_create([ItemUsage(version=v, paper_ref=paper_ref) for v in versions])
    Item.objects.filter(pk__in=[v.item_id for v in versions]).update(
        exposure_count=F("exposure_count") + 1, last_used_at=now)
    if versions:
        audit.record(actor, "itembank.item.used", target=versions[0].item.bank,
                     data={"paper": paper_ref, "versions": [f"{v.item.code}@v{v.number}" for v in versions]})
    return len(versions)


def record_statistics(*, actor, stats: list[tuple[int, float, float | None, list[str]]], source: str) -> int:
    """Called by grading after each sitting's item analysis (§7.3.1, §6.3.2.2): (item id, difficulty p,
    point-biserial, flags) per item. The item's empirical difficulty and discrimination are replaced by the
    latest sitting's; an item with flags gets an open problem for its bank managers, naming the sitting."""
    items = {i.pk: i for i in Item.objects.filter(pk__in=[row[0] for row in stats]).select_related("bank")}
    problems = []
    for item_id, p, r, flags in stats:
        item = items[item_id]
        item.empirical_difficulty, item.discrimination = round(p, 4), None if r is None else round(r, 4)
        if flags:
            problems.append(ItemProblem(item=item, reported_by=actor,
                                        description=_("%(source)s 试题分析：%(flags)s")
                                        % {"source": source, "flags": "；".join(flags)}))
    Item.objects.bulk_update(items.values(), ["empirical_difficulty", "discrimination"])
    ItemProblem.objects.bulk_create(problems)
    for bank in {i.bank for i in items.values()}:
        audit.record(actor, "itembank.item.statistics", target=bank,
                     data={"source": source, "items": sum(1 for i in items.values() if i.bank_id == bank.pk),
                           "flagged": [i.code for i in items.values() if i.bank_id == bank.pk
                                       and any(row[0] == i.pk and row[3] for row in stats)]})
    return len(problems)


@transaction.atomic
def problem_report(*, actor, item_id: int, description: str) -> ItemProblem:
    item = Item.objects.select_related("bank").get(pk=item_id)
    if not rules.roles_in_bank(actor, item.bank):
        raise PermissionDenied(_("您无权对该试题报告问题。"))
    if not description.strip():
        raise ValidationError({"description": _("请描述发现的问题。")})
    problem = ItemProblem.objects.create(item=item, reported_by=actor, description=description.strip())
    audit.record(actor, "itembank.problem.reported", target=item, data={"problem": problem.pk})
    return problem


@transaction.atomic
def problem_resolve(*, actor, problem_id: int, status: str, resolution: str) -> ItemProblem:
    problem = ItemProblem.objects.select_for_update(of=("self",)).select_related("item__bank").get(pk=problem_id)
    _require_manager(actor, problem.item.bank, _("只有题库管理员可以处理试题问题。"))
    require_transition(ItemProblem.TRANSITIONS, problem.status, status, labels=dict(ProblemStatus.choices))
    if not resolution.strip():
        raise ValidationError({"resolution": _("请写明处理结果。")})
    transition(problem, status, resolution=resolution.strip(), resolved_by=actor, resolved_at=timezone.now())
    audit.record(actor, "itembank.problem.resolved", target=problem.item,
                 data={"problem": problem.pk, "status": status})
    return problem


# --- Exports (§7.3.2, §10.2, §10.5) ---------------------------------------------------------------------

@transaction.atomic
def export_request(*, actor, bank_id: int, format: str, statuses: list[str], reason: str) -> ExportRequest:
    bank = Bank.objects.get(pk=bank_id)
    held = rules.roles_in_bank(actor, bank)
    if not held & {Role.BANK_MANAGER, Role.ITEM_REVIEWER}:
        raise PermissionDenied(_("只有题库管理员或审题员可以申请导出。"))
    if format not in ExportFormat.values:
        raise ValidationError({"format": _("请选择导出格式。")})
    statuses = [s for s in statuses if s in ItemStatus.values]
    if not statuses:
        raise ValidationError({"statuses": _("请选择要导出的试题状态。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请写明导出用途（§10.5 登记制度）。")})
    req = ExportRequest.objects.create(bank=bank, format=format, statuses=statuses, reason=reason.strip(),
                                       requested_by=actor)
    audit.record(actor, "itembank.export.requested", target=req, data={"format": format, "statuses": statuses})
    return req


@transaction.atomic
def export_decide(*, actor, export_id: int, approve: bool) -> ExportRequest:
    req = ExportRequest.objects.select_for_update(of=("self",)).select_related("bank").get(pk=export_id)
    _require_manager(actor, req.bank, _("导出须由题库管理员批准。"))
    duties.require_different(duties.BANK_EXPORT, actor, req.requested_by_id)
    transition(req, ExportStatus.APPROVED if approve else ExportStatus.REJECTED, decided_by=actor,
               decided_at=timezone.now())
    audit.record(actor, "itembank.export.decided", target=req, data={"approved": approve})
    return req


def export_usable(req: ExportRequest, now=None) -> bool:
    now = now or timezone.now()
    return (req.status == ExportStatus.APPROVED and req.decided_at is not None
            and (now - req.decided_at).total_seconds() < EXPORT_VALID_HOURS * 3600)


@transaction.atomic
def export_build(*, actor, export_id: int) -> tuple[bytes, str, str]:
    """The approved export's file, watermarked with the exporter and time: (data, file name, mime type)."""
    req = ExportRequest.objects.select_for_update(of=("self",)).select_related("bank__level").get(pk=export_id)
    if req.requested_by_id != actor.pk:
        raise PermissionDenied(_("只有申请人可以下载已批准的导出。"))
    if not export_usable(req):
        raise ValidationError(_("该导出未获批准或已超过%(h)d小时有效期。") % {"h": EXPORT_VALID_HOURS})
    items = list(Item.objects.filter(bank=req.bank, status__in=req.statuses).select_related(
        "current_version", "bank").order_by("code"))
    versions = [i.current_version for i in items]
    for v, i in zip(versions, items, strict=True):
        v.item = i
    opened = contents_for(actor=actor, versions=versions, purpose=f"export:{req.pk}")
    watermark = _("机密 · 导出人：%(u)s（%(n)s）· 导出时间：%(t)s · 导出单号：%(id)d") % {
        "u": actor.full_name or actor.username, "n": actor.username,
        "t": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "id": req.pk}
    rows = [(i, opened[i.current_version_id]) for i in items]
    if req.format == ExportFormat.XLSX:
        data, name, mime = exchange.xlsx_export(rows, watermark=watermark), f"bank-{req.bank_id}-{req.pk}.xlsx", \
            exchange.XLSX_MIME
    else:
        data, name, mime = exchange.qti_export(rows, watermark=watermark), f"bank-{req.bank_id}-{req.pk}-qti.zip", \
            "application/zip"
    req.downloads += 1
    req.save(update_fields=["downloads"])
    audit.record(actor, "itembank.export.downloaded", target=req, data={
        "format": req.format, "items": len(items), "watermark": watermark,
        "sha256": hashlib.sha256(data).hexdigest()})
    return data, name, mime
