"""The bank's items (§7.2, §7.3): banks, items and their versions, attachments, the review workflow, the usage
ledger and problem reports — and every read of content, which is audited with the reader (§7.3.3 责任可追溯).
Each service checks permission, validates, locks, writes and audits in one transaction.

Its siblings build on it (``require_manager``, ``contents_for``, ``STATUS_LABELS``); it imports neither of them."""

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
from skillcert.core import audit
from skillcert.core.crypto import keyring
from skillcert.core.statemachine import require_transition, transition

from .. import content as content_mod
from .. import rules
from ..enums import (
    EDITABLE_STATUSES,
    REVIEW_CHECKLIST,
    TYPE_CODE_PREFIX,
    TYPE_PART,
    ItemStatus,
    Part,
    ProblemStatus,
    ReviewDecision,
)
from ..meta import META_FIELDS, clean_meta
from ..models import (
    Bank,
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


def require_manager(actor, bank: Bank, message: str | None = None) -> None:
    """Refuse unless ``actor`` manages ``bank``: the check every manager-only step of the bank shares."""
    if not rules.manages(actor, bank):
        raise PermissionDenied(message or _("只有本题库的题库管理员可以执行此操作。"))


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
    from ..selectors import current_blueprint

    blueprint = current_blueprint(bank)
    if blueprint is None:
        return None
    return set(blueprint.nodes.filter(depth=3).values_list("code", flat=True))


def _element_part(bank: Bank, code: str) -> str | None:
    from ..selectors import current_blueprint

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
    require_manager(actor, problem.item.bank, _("只有题库管理员可以处理试题问题。"))
    require_transition(ItemProblem.TRANSITIONS, problem.status, status, labels=dict(ProblemStatus.choices))
    if not resolution.strip():
        raise ValidationError({"resolution": _("请写明处理结果。")})
    transition(problem, status, resolution=resolution.strip(), resolved_by=actor, resolved_at=timezone.now())
    audit.record(actor, "itembank.problem.resolved", target=problem.item,
                 data={"problem": problem.pk, "status": status})
    return problem
