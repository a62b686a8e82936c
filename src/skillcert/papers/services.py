"""Every write to papers (§6.3.2, §7.2.2.6, §10, A.2): assembly from the bank with the optimisation
engine, review with constraint-keeping swaps, locking with a version snapshot and content hash, sealing,
release at the session's start signal, and the custody ledger with count checks. Each service checks
permission, validates, locks, writes and audits in one transaction; the solver runs before the write
transaction so a long solve holds no lock."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.core import audit
from skillcert.core.crypto import keyring
from skillcert.core.statemachine import require_transition, transition
from skillcert.itembank import services as bank_services
from skillcert.itembank.enums import ItemStatus, ItemType
from skillcert.itembank.models import Bank, Item
from skillcert.scheduling.models import ExamSession

from . import plans, rules, selectors
from .assembly import InputError, assemble, check_form
from .bankcheck import require_bank_minimum
from .enums import (
    CUSTODY_PEOPLE,
    OPEN_STATUSES,
    PAPER_COUNTED,
    PAPER_TRANSITIONS,
    ROOM_COUNTED,
    CustodyKind,
    DiscrepancyStatus,
    DocKind,
    PaperStatus,
)
from .models import CustodyEvent, CustodyParty, Discrepancy, Paper, PaperForm, PaperItem, SealedDocument

STATUS_LABELS = dict(PaperStatus.choices)
TYPE_ORDER = {t: n for n, t in enumerate(ItemType)}
CUSTODY_STATUSES = frozenset({PaperStatus.SEALED, PaperStatus.RELEASED, PaperStatus.USED, PaperStatus.ARCHIVED})


def _lock_paper(paper_id: int) -> Paper:
    return (Paper.objects.select_for_update(of=("self",)).select_related("bank__body", "session__batch")
            .get(pk=paper_id))


def _transition(paper: Paper, target: str, *, save: bool = True, **changes) -> None:
    transition(paper, target, labels=STATUS_LABELS, save=save, **changes)


def _require(paper: Paper, target: str) -> None:
    """Refuse an illegal move before the work that precedes it; ``_transition`` makes the move at the end."""
    require_transition(PAPER_TRANSITIONS, paper.status, target, labels=STATUS_LABELS)


def _require_manager(actor, bank: Bank) -> None:
    from skillcert.itembank import rules as bank_rules

    if not bank_rules.manages(actor, bank):
        raise PermissionDenied(_("只有该题库的题库管理员可以组卷、审核、锁定和密封试卷。"))


# --- Assembly (§6.3.2.1, §7.2.2.6) --------------------------------------------------------------------

def paper_assemble(*, actor, session_id: int, bank_id: int, plan: dict[str, Any],
                   paper_id: int | None = None) -> Paper:
    """Solve the plan over the bank's active items and write the forms (main + backups). Infeasible plans
    raise a ValidationError listing, row by row, what the bank lacks; nothing is written then."""
    bank = Bank.objects.select_related("body").get(pk=bank_id)
    _require_manager(actor, bank)
    session = selectors.sessions_for_assembly(bank).filter(pk=session_id).first()
    if session is None:
        raise ValidationError({"session": _("该场次不属于本题库的机构，或不考本题库的职业、工种和等级。")})
    part = plans.part_for_session(session.kind)
    require_bank_minimum(bank, part)  # §7.1.3.2, before anything is solved or written
    plan = plans.clean_plan(plan, part)
    existing = Paper.objects.filter(session=session, bank=bank).first()
    if existing is not None and existing.pk == paper_id and existing.status not in OPEN_STATUSES:
        raise ValidationError(_("试卷已锁定，不能重新组卷。"))  # checked again under lock after solving
    if existing is not None and existing.pk != paper_id:
        raise ValidationError({"session": _("该场次已有本题库的试卷 %(c)s，请在该试卷上重新组卷。")
                               % {"c": existing.code}})
    recent = selectors.recent_item_ids(bank, plan["exclude_recent"], exclude_paper_id=paper_id)
    bank_json = plans.engine_bank(bank, plan, part, recent_item_ids=recent)
    try:
        result = assemble(bank_json, plans.engine_plan(plan), time_limit=plan["time_limit"], seed=plan["seed"])
    except InputError as exc:
        raise ValidationError({"plan": exc.messages}) from None
    if result.status == "infeasible":
        messages = [d["message"] for d in result.diagnosis] or [_("题库中的试题不足以组成试卷。")]
        audit.record(actor, "papers.paper.assembly_infeasible", target=bank,
                     data={"session": session.pk, "diagnosis": result.diagnosis})
        raise ValidationError({"plan": messages})
    return _write_assembly(actor=actor, session=session, bank=bank, plan=plan, paper_id=paper_id, result=result)


@transaction.atomic
def _write_assembly(*, actor, session: ExamSession, bank: Bank, plan, paper_id, result) -> Paper:
    if paper_id is not None:
        paper = _lock_paper(paper_id)
        if paper.bank_id != bank.pk or paper.session_id != session.pk:
            raise ValidationError(_("试卷与题库或场次不符。"))
        if paper.status not in OPEN_STATUSES:
            raise ValidationError(_("试卷已锁定，不能重新组卷。"))
        _transition(paper, PaperStatus.ASSEMBLED, save=False)  # saved with the new plan below
        paper.forms.all().delete()
    else:
        paper = Paper(session=session, bank=bank, created_by=actor,
                      code=f"P{timezone.localtime(session.starts_at):%Y%m%d}-{session.pk:04d}-{bank.pk:03d}")
    chosen = [int(i) for form in result.forms for i in form]
    if len(chosen) != len(set(chosen)):  # one item in two places of a paper: never written (§6.3.2.1)
        raise ValidationError({"plan": _("组卷结果中有试题重复出现，未保存；请重新组卷。")})
    items = {it.pk: it for it in Item.objects.select_for_update(of=("self",)).filter(
        pk__in=chosen).select_related("current_version").order_by("pk")}
    for it in items.values():
        if it.status != ItemStatus.ACTIVE or it.current_version_id is None:
            raise ValidationError(_("试题 %(c)s 在组卷过程中被停用，请重新组卷。") % {"c": it.code})
    paper.plan, paper.solver_status = plan, result.status
    paper.objective, paper.bound, paper.solve_seconds = result.objective, result.bound, round(result.seconds, 3)
    paper.diagnosis, paper.reviewed_by, paper.reviewed_at = [], None, None
    paper.save()
    for number, ids in enumerate(result.forms, start=1):
        form = PaperForm.objects.create(paper=paper, number=number)
        chosen = sorted((items[int(i)] for i in ids), key=lambda it: (TYPE_ORDER[it.type], it.element_code, it.code))
        PaperItem.objects.bulk_create([
            PaperItem(form=form, position=pos, item=it, version_id=it.current_version_id,
                      points=Decimal(plan["points"][it.type])) for pos, it in enumerate(chosen, start=1)])
    audit.record(actor, "papers.paper.assembled", target=paper, data={
        "session": session.pk, "solver": result.status, "objective": result.objective, "bound": result.bound,
        "seconds": round(result.seconds, 3), "forms": [len(f) for f in result.forms], "seed": plan["seed"]})
    return paper


def _form_dicts(paper: Paper) -> dict[int, list[dict]]:
    """Each form's items in the engine's shape, for checking the plan rows."""
    out: dict[int, list[dict]] = {}
    for pi in PaperItem.objects.filter(form__paper=paper).select_related("item", "form"):
        out.setdefault(pi.form.number, []).append(_engine_item(pi.item))
    return out


def _engine_item(it: Item) -> dict:
    return {"id": str(it.pk), "type": it.type, "element": it.element_code,
            "difficulty": plans.item_difficulty(it), "discrimination": plans.item_discrimination(it),
            "enemies": [it.enemy_group] if it.enemy_group else []}


def paper_problems(paper: Paper) -> list[str]:
    """Everything wrong with the paper's forms against its plan: broken rows per form, shared items."""
    problems = []
    forms = _form_dicts(paper)
    plan = plans.engine_plan(paper.plan)
    seen: dict[str, int] = {}
    for number, items in sorted(forms.items()):
        letter = chr(ord("A") + number - 1)
        problems += [_("%(l)s卷：%(r)s") % {"l": letter, "r": label} for label in check_form(items, plan)]
        for it in items:
            if it["id"] in seen:
                other = chr(ord("A") + seen[it["id"]] - 1)
                problems.append(_("%(l)s卷与%(o)s卷有相同试题。") % {"l": letter, "o": other})
            seen[it["id"]] = number
    if len(forms) != paper.plan.get("forms"):
        problems.append(_("卷数与组卷方案不符。"))
    return problems


def swap_options(paper: Paper, paper_item: PaperItem, *, limit: int = 10) -> list[Item]:
    """Replacements for one item that keep every plan row of its form (same type, element and band
    counts, mean window, enemy groups), are active, unused in every form of the paper and not excluded by
    the plan; best discrimination first."""
    plan = plans.engine_plan(paper.plan)
    form_items = [_engine_item(pi.item) for pi in paper_item.form.items.select_related("item")
                  if pi.pk != paper_item.pk]
    used = set(PaperItem.objects.filter(form__paper=paper).values_list("item_id", flat=True))
    recent = selectors.recent_item_ids(paper.bank, paper.plan.get("exclude_recent") or 0, exclude_paper_id=paper.pk)
    limit_exposure = paper.plan.get("exposure_limit")
    candidates = (paper.bank.items.filter(status=ItemStatus.ACTIVE, type=paper_item.item.type)
                  .exclude(pk__in=used | recent).order_by("-discrimination", "code"))
    if limit_exposure is not None:
        candidates = candidates.filter(exposure_count__lt=limit_exposure)
    found = []
    for it in candidates.iterator():
        if not check_form([*form_items, _engine_item(it)], plan):
            found.append(it)
            if len(found) >= limit:
                break
    return found


@transaction.atomic
def paper_swap(*, actor, paper_id: int, paper_item_id: int, item_id: int) -> PaperItem:
    """Replace one item of a form (during review) by one of ``swap_options``; the paper needs review again."""
    paper = _lock_paper(paper_id)
    _require_manager(actor, paper.bank)
    if paper.status not in OPEN_STATUSES:
        raise ValidationError(_("试卷已锁定，不能换题。"))
    pi = PaperItem.objects.select_related("item", "form").get(pk=paper_item_id, form__paper=paper)
    new = Item.objects.select_for_update(of=("self",)).select_related("current_version").filter(
        pk=item_id, bank=paper.bank).first()
    if new is None:
        raise ValidationError({"item": _("请从本题库的可替换试题中选择一道。")})
    if new.pk not in {it.pk for it in swap_options(paper, pi, limit=10_000)}:
        raise ValidationError({"item": _("试题 %(c)s 替换后不满足组卷方案（或已在本试卷中、未启用、近期已用）。")
                               % {"c": new.code}})
    old_code = pi.item.code
    pi.item, pi.version_id = new, new.current_version_id
    pi.save(update_fields=["item", "version"])
    if paper.status == PaperStatus.REVIEWED:
        _transition(paper, PaperStatus.ASSEMBLED, reviewed_by=None, reviewed_at=None)
    audit.record(actor, "papers.paper.item_swapped", target=paper, data={
        "form": pi.form.number, "position": pi.position, "from": old_code, "to": new.code})
    return pi


@transaction.atomic
def paper_review(*, actor, paper_id: int) -> Paper:
    paper = _lock_paper(paper_id)
    _require_manager(actor, paper.bank)
    duties.require_different(duties.PAPER_REVIEW, actor, paper.created_by_id)
    problems = paper_problems(paper)
    if problems:
        raise ValidationError(problems)
    _transition(paper, PaperStatus.REVIEWED, reviewed_by=actor, reviewed_at=timezone.now())
    audit.record(actor, "papers.paper.reviewed", target=paper)
    return paper


def content_hash(paper: Paper) -> str:
    """SHA-256 over every form's items at their exact versions (code, version, content digest, points)."""
    rows = [[pi.form.number, pi.position, pi.item.code, pi.version.number, pi.version.digest, str(pi.points)]
            for pi in PaperItem.objects.filter(form__paper=paper).select_related("form", "item", "version")
            .order_by("form__number", "position")]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def paper_lock(*, actor, paper_id: int) -> Paper:
    """Freeze the paper (snapshot of exact item versions + content hash) and enter its items in the usage
    ledger (§7.3.1); later edits of the items write new versions and leave the paper as it is."""
    paper = _lock_paper(paper_id)
    _require_manager(actor, paper.bank)
    _require(paper, PaperStatus.LOCKED)
    version_ids = list(PaperItem.objects.filter(form__paper=paper).values_list("version_id", flat=True))
    bank_services.record_usage(actor=actor, version_ids=version_ids, paper_ref=paper.code)
    _transition(paper, PaperStatus.LOCKED, content_hash=content_hash(paper), locked_by=actor, locked_at=timezone.now())
    audit.record(actor, "papers.paper.locked", target=paper, data={"hash": paper.content_hash,
                                                                    "items": len(version_ids)})
    return paper


def _documents(paper: Paper, contents: dict[int, dict]) -> dict[tuple[str, int], dict]:
    """The sealed documents: each form's paper (what candidates see) and one answer key with the scoring
    standard for all forms (what examiners and graders see)."""
    docs: dict[tuple[str, int], dict] = {}
    key = {"paper": paper.code, "forms": []}
    for form in paper.forms.prefetch_related("items__item", "items__version"):
        shown, answers = [], []
        for pi in form.items.all():
            c = contents[pi.version_id]
            shown.append({"position": pi.position, "code": pi.item.code, "type": pi.item.type,
                          "points": str(pi.points), "stem": c.get("stem", ""), "options": c.get("options") or [],
                          "time_minutes": c.get("time_minutes"), "materials": c.get("materials", ""),
                          "scoring_sheet": c.get("scoring_sheet") or []})
            answers.append({"position": pi.position, "code": pi.item.code, "type": pi.item.type,
                            "points": str(pi.points), "answer": c.get("answer", ""), "rubric": c.get("rubric", ""),
                            "scoring_sheet": c.get("scoring_sheet") or []})
        docs[(DocKind.PAPER, form.number)] = {"paper": paper.code, "form": form.number, "items": shown}
        key["forms"].append({"form": form.number, "items": answers})
    docs[(DocKind.KEY, 0)] = key
    return docs


@transaction.atomic
def paper_seal(*, actor, paper_id: int) -> Paper:
    """Encrypt the content of every form and, separately, the key (§10.2 试卷密封): from now on the paper
    is read only from these sealed documents."""
    paper = _lock_paper(paper_id)
    _require_manager(actor, paper.bank)
    _require(paper, PaperStatus.SEALED)
    if content_hash(paper) != paper.content_hash:
        raise ValidationError(_("试卷内容与锁定时的摘要不一致，不能密封。"))
    versions = [pi.version for pi in PaperItem.objects.filter(form__paper=paper).select_related("version__item")]
    contents = bank_services.contents_for(actor=actor, versions=versions, purpose=f"seal {paper.code}")
    ring = keyring()
    for (kind, number), doc in _documents(paper, contents).items():
        plain = json.dumps(doc, ensure_ascii=False).encode()
        sealed = SealedDocument(paper=paper, kind=kind, form_number=number, digest=hashlib.sha256(plain).hexdigest())
        sealed.key_id, sealed.sealed = ring.seal(plain, sealed.aad())
        sealed.save()
    _transition(paper, PaperStatus.SEALED, sealed_at=timezone.now())
    audit.record(actor, "papers.paper.sealed", target=paper, data={"hash": paper.content_hash})
    return paper


def open_document(*, actor, paper: Paper, kind: str, form_number: int, purpose: str) -> dict:
    """Open a sealed document for a bank manager (printing, §10.3) — audited with the purpose."""
    if not rules.manages(actor, paper):
        raise PermissionDenied(_("只有该题库的题库管理员可以查看试卷内容。"))
    return _open(actor, paper, kind, form_number, purpose)


@transaction.atomic
def _open(actor, paper: Paper, kind: str, form_number: int, purpose: str, actor_label: str | None = None) -> dict:
    doc = paper.documents.filter(kind=kind, form_number=form_number).first()
    if doc is None:
        raise ValidationError(_("试卷尚未密封。"))
    data = json.loads(keyring().open(doc.key_id, doc.sealed, doc.aad()))
    audit.record(actor, "papers.document.opened", target=paper, actor_label=actor_label,
                 data={"kind": kind, "form": form_number, "purpose": purpose})
    return data


def released_content(*, actor, paper: Paper, form_number: int, actor_label: str | None = None) -> dict:
    """For delivery: a form's paper, only once the paper has been released at the start signal. A candidate
    at a room computer has no account: ``actor`` is None and ``actor_label`` names their ticket."""
    if paper is None or paper.status not in (PaperStatus.RELEASED, PaperStatus.USED):
        raise PermissionDenied(_("试卷尚未启封下发。"))
    return _open(actor, paper, DocKind.PAPER, form_number, "delivery", actor_label)


def open_key_for_grading(*, actor, paper: Paper) -> dict:
    """For grading (§6.3.3 阅卷): the answer key with the scoring standard, for the body's exam affairs staff
    and admins once the paper has been released to candidates — audited with the purpose."""
    if not rules.keeps_custody(actor, paper):
        raise PermissionDenied(_("只有本机构的考务人员、机构管理员或题库管理员可以调阅参考答案。"))
    return open_key_for_panel(actor=actor, paper=paper, purpose="grading")


def open_key_for_panel(*, actor, paper: Paper, purpose: str) -> dict:
    """The key for an examiner panel's scoring sheets (A.3.6) once the paper has been released — audited with
    the purpose; the grading app decides who sits on the panel."""
    if paper.status not in (PaperStatus.RELEASED, PaperStatus.USED, PaperStatus.ARCHIVED):
        raise ValidationError(_("试卷尚未启封下发，不能调阅参考答案评分。"))
    return _open(actor, paper, DocKind.KEY, 0, purpose)


def marking_content(*, actor, paper: Paper, form_number: int, position: int) -> dict:
    """For a marker (§6.3.3): one item's stem and materials with its standard answer and rubric, once the paper
    has been released — audited with the purpose. The grading app decides who is a marker of the item."""
    if paper.status not in (PaperStatus.RELEASED, PaperStatus.USED, PaperStatus.ARCHIVED):
        raise ValidationError(_("试卷尚未启封下发，不能调阅参考答案评分。"))
    with transaction.atomic():
        shown = _open(actor, paper, DocKind.PAPER, form_number, f"marking {form_number}-{position}")
        key = _open(actor, paper, DocKind.KEY, 0, f"marking {form_number}-{position}")
    item = next(it for it in shown["items"] if it["position"] == position)
    form = next(f for f in key["forms"] if f["form"] == form_number)
    answer = next(it for it in form["items"] if it["position"] == position)
    return {"stem": item["stem"], "materials": item.get("materials") or "", "points": answer["points"],
            "answer": answer["answer"], "rubric": answer["rubric"], "type": answer["type"]}


@transaction.atomic
def paper_release(*, actor, paper_id: int, now: datetime | None = None) -> Paper:
    """启封下发 at the session's start signal: not before the session's start time."""
    paper = _lock_paper(paper_id)
    if not rules.may_release(actor, paper):
        raise PermissionDenied(_("只有考务人员、机构管理员或本场主考可以启封下发试卷。"))
    now = now or timezone.now()
    if now < paper.session.starts_at:
        raise ValidationError(_("未到开考时间（%(t)s），不能启封下发试卷。")
                              % {"t": timezone.localtime(paper.session.starts_at).strftime("%Y-%m-%d %H:%M")})
    _transition(paper, PaperStatus.RELEASED, released_by=actor, released_at=now)
    audit.record(actor, "papers.paper.released", target=paper)
    return paper


@transaction.atomic
def paper_transition(*, actor, paper_id: int, target: str) -> Paper:
    """released → used (after the session) → archived, by the body's exam affairs staff."""
    paper = _lock_paper(paper_id)
    if not rules.keeps_custody(actor, paper):
        raise PermissionDenied(_("您无权变更该试卷的状态。"))
    if target not in (PaperStatus.USED, PaperStatus.ARCHIVED):
        raise ValidationError(_("该状态须通过对应操作变更。"))
    if target == PaperStatus.USED and timezone.now() < paper.session.ends_at:
        raise ValidationError(_("考试尚未结束，不能标记为已使用。"))
    if target == PaperStatus.ARCHIVED and selectors.open_discrepancies(paper).exists():
        raise ValidationError(_("试卷还有未处理的份数差异，不能归档。"))
    before = paper.status
    _transition(paper, target)
    audit.record(actor, f"papers.paper.{target}", target=paper, data={"from": before})
    return paper


# --- Custody ledger (§6.3.2.2–6.3.2.3, A.2.1, A.2.11–A.2.12, §10.1, §10.4–§10.5) ------------------------

def _latest_by_room(paper: Paper, kind: str) -> dict[int, CustodyEvent]:
    latest: dict[int, CustodyEvent] = {}
    for e in paper.custody_events.filter(kind=kind).exclude(room=None).order_by("occurred_at", "pk"):
        latest[e.room_id] = e
    return latest


def expected_count(paper: Paper, kind: str, room_id: int | None) -> int | None:
    """What a count should be: a room's events against what the room was packed (and opened, for
    collection); the paper's events against the packs' total, or copies printed less spoiled."""
    if room_id is not None and (kind in ROOM_COUNTED or kind == CustodyKind.HANDOVER):
        if kind == CustodyKind.COLLECT:
            opened = _latest_by_room(paper, CustodyKind.OPEN).get(room_id)
            if opened is not None:
                return opened.count
        packed = _latest_by_room(paper, CustodyKind.PACK).get(room_id)
        return packed.count if packed else None
    if kind in PAPER_COUNTED or kind == CustodyKind.HANDOVER:
        packs = _latest_by_room(paper, CustodyKind.PACK)
        if packs:
            return sum(e.count or 0 for e in packs.values())
        printed = paper.custody_events.filter(kind=CustodyKind.PRINT)
        if printed.exists():
            return sum((e.count or 0) - (e.spoiled or 0) for e in printed)
    return None


def _people(data: dict[str, Any], kind: str) -> list[tuple[str, Any]]:
    people = []
    for role in CUSTODY_PEOPLE[kind]:
        value = data.get(role)
        for user in (list(value) if isinstance(value, (list, tuple)) or hasattr(value, "all") else [value]):
            if user is not None:
                people.append((role, user))
    return people


def _check_event(paper: Paper, kind: str, data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    need = lambda field, message: errors.setdefault(field, message) if not data.get(field) else None  # noqa: E731
    if data.get("count") in (None, ""):
        errors["count"] = _("请填写份数。")
    if kind == CustodyKind.PRINT:
        need("place", _("请填写印制地点。"))
        need("operator", _("请选择印制操作人。"))
        if data.get("spoiled") and not data.get("spoiled_destroyed"):
            errors["spoiled_destroyed"] = _("废品须当场销毁并勾选确认。")
    elif kind == CustodyKind.PACK:
        need("room", _("请选择考场。"))
        need("bag_no", _("请填写袋号。"))
        need("seal_no", _("请填写密封条号。"))
        need("operator", _("请选择分装人。"))
    elif kind == CustodyKind.TRANSPORT:
        if len({u.pk for u in data.get("escorts") or []}) < 2:
            errors["escorts"] = _("运送须两人同行（§10.4），请选择两名押运人员。")
        if not data.get("ended_at"):
            errors["ended_at"] = _("请填写到达时间。")
        elif data.get("occurred_at") and data["ended_at"] <= data["occurred_at"]:
            errors["ended_at"] = _("到达时间应晚于出发时间。")
    elif kind in (CustodyKind.HANDOVER, CustodyKind.RETURN):
        need("from_user", _("请选择交出人。"))
        need("to_user", _("请选择接收人。"))
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            errors["to_user"] = _("交出人和接收人不能是同一人。")
    elif kind == CustodyKind.STORE:
        need("place", _("请填写保密室。"))
        need("operator", _("请选择保管人。"))
    elif kind in (CustodyKind.OPEN, CustodyKind.COLLECT):
        need("room", _("请选择考场。"))
        if len({u.pk for u in data.get("witnesses") or []}) < 2:
            errors["witnesses"] = _("须两名监考人员在场见证并确认。")
    elif kind == CustodyKind.BIND:
        need("seal_no", _("请填写密封条号。"))
        need("operator", _("请选择装订人。"))
    room = data.get("room")
    if room is not None and not paper.session.rooms.filter(pk=room.pk).exists():
        errors["room"] = _("该考场不属于本场次。")
    if kind == CustodyKind.OPEN and room is not None and expected_count(paper, kind, room.pk) is None:
        errors["room"] = _("该考场没有分装记录，不能启封。")
    if kind != CustodyKind.PRINT and not paper.custody_events.filter(kind=CustodyKind.PRINT).exists():
        errors["kind"] = _("请先登记印制。")
    return errors


@transaction.atomic
def custody_record(*, actor, paper_id: int, kind: str, data: dict[str, Any]) -> CustodyEvent:
    """Record one custody step; the people it names confirm it in their own accounts. A count that differs
    from what was issued opens a discrepancy (A.2.12) that stays open until resolved."""
    paper = _lock_paper(paper_id)
    if not rules.keeps_custody(actor, paper):
        raise PermissionDenied(_("您无权登记该试卷的保密交接。"))
    if paper.status not in CUSTODY_STATUSES:
        raise ValidationError(_("试卷密封后才能登记印制和交接。"))
    if kind not in CustodyKind.values:
        raise ValidationError({"kind": _("未知的环节。")})
    errors = _check_event(paper, kind, data)
    if errors:
        raise ValidationError(errors)
    room = data.get("room")
    counted = kind in ROOM_COUNTED or kind in PAPER_COUNTED or kind == CustodyKind.HANDOVER
    expected = expected_count(paper, kind, room.pk if room else None) if counted else None
    event = CustodyEvent.objects.create(
        paper=paper, kind=kind, occurred_at=data.get("occurred_at") or timezone.now(), ended_at=data.get("ended_at"),
        place=(data.get("place") or "").strip(), room=room, count=data.get("count"), spoiled=data.get("spoiled"),
        spoiled_destroyed=bool(data.get("spoiled_destroyed")), bag_no=(data.get("bag_no") or "").strip(),
        seal_no=(data.get("seal_no") or "").strip(), note=(data.get("note") or "").strip(), recorded_by=actor)
    now = timezone.now()
    for role, user in _people(data, kind):
        CustodyParty.objects.get_or_create(event=event, user=user, role=role,
                                           defaults={"confirmed_at": now if user.pk == actor.pk else None})
    if expected is not None and event.count is not None and expected != event.count:
        Discrepancy.objects.create(paper=paper, event=event, expected=expected, actual=event.count)
        audit.record(actor, "papers.custody.discrepancy_opened", target=paper, data={
            "event": event.pk, "kind": kind, "expected": expected, "actual": event.count})
    audit.record(actor, "papers.custody.recorded", target=paper, data={
        "event": event.pk, "kind": kind, "count": event.count, "room": room.pk if room else None,
        "people": [f"{role}:{user.username}" for role, user in _people(data, kind)]})
    return event


@transaction.atomic
def custody_confirm(*, actor, party_id: int) -> CustodyParty:
    """A named person confirms an event in their own account (交接双方签字确认)."""
    party = CustodyParty.objects.select_for_update(of=("self",)).select_related("event__paper__bank").get(pk=party_id)
    if party.user_id != actor.pk:
        raise PermissionDenied(_("只能由本人确认。"))
    if party.confirmed_at is not None:
        raise ValidationError(_("您已确认过该记录。"))
    party.confirmed_at = timezone.now()
    party.save(update_fields=["confirmed_at"])
    audit.record(actor, "papers.custody.confirmed", target=party.event.paper,
                 data={"event": party.event_id, "role": party.role})
    return party


@transaction.atomic
def discrepancy_resolve(*, actor, discrepancy_id: int, resolution: str) -> Discrepancy:
    d = Discrepancy.objects.select_for_update(of=("self",)).select_related("paper__bank").get(pk=discrepancy_id)
    if not rules.keeps_custody(actor, d.paper):
        raise PermissionDenied(_("您无权处理该差异。"))
    if d.status != DiscrepancyStatus.OPEN:
        raise ValidationError(_("该差异已处理。"))
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("请填写查明的原因和处理情况。")})
    transition(d, DiscrepancyStatus.RESOLVED, resolution=resolution.strip(), resolved_by=actor,
               resolved_at=timezone.now())
    audit.record(actor, "papers.custody.discrepancy_resolved", target=d.paper,
                 data={"discrepancy": d.pk, "resolution": d.resolution})
    return d
