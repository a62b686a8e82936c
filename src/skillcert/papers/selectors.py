"""Reads with rules: bank managers see their banks' papers, exam affairs staff and body admins their
bodies' papers (metadata and custody, never content); anything else is a 404."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from skillcert.accounts import rules
from skillcert.accounts.enums import Role
from skillcert.accounts.selectors import one_or_404
from skillcert.itembank import rules as bank_rules
from skillcert.itembank.enums import ItemStatus
from skillcert.scheduling.models import ExamSession

from .enums import DiscrepancyStatus, PaperStatus
from .models import CustodyEvent, CustodyParty, Discrepancy, Paper
from .rules import CUSTODIANS


def _scope_q(user, prefix: str = "") -> Q | None:
    if rules.is_platform_admin(user):
        return None
    q = bank_rules.bank_scope_q(user, roles=(Role.BANK_MANAGER,), prefix=f"{prefix}bank__")
    bodies = rules.subtree_ids(user, rules.scope_org_ids(user, *CUSTODIANS))
    return q | Q(**{f"{prefix}bank__body_id__in": bodies})


def paper_list_for_user(user) -> QuerySet[Paper]:
    qs = (Paper.objects.select_related("session__batch", "bank__occupation", "bank__trade", "bank__level",
                                       "bank__body", "created_by")
          .annotate(open_discrepancies=Count("discrepancies", filter=Q(discrepancies__status=DiscrepancyStatus.OPEN),
                                             distinct=True)))
    q = _scope_q(user)
    return qs if q is None else qs.filter(q)


def paper_get_for_user(user, pk: int) -> Paper:
    return one_or_404(paper_list_for_user(user), pk)


def sessions_for_assembly(bank) -> QuerySet[ExamSession]:
    """Sessions of the bank's body that offer its occupation, trade and level and have not ended."""
    return (ExamSession.objects.filter(batch__announcement__body_id=bank.body_id,
                                       offers__occupation_id=bank.occupation_id, offers__trade_id=bank.trade_id,
                                       offers__level_id=bank.level_id)
            .select_related("batch").distinct().order_by("starts_at"))


def timeline(paper: Paper) -> list[CustodyEvent]:
    """The whole ledger of a paper, in time order, with its people and any discrepancy."""
    return list(paper.custody_events.select_related("room__venue", "recorded_by", "discrepancy")
                .prefetch_related("parties__user"))


def my_confirmations(user) -> QuerySet[CustodyParty]:
    return (CustodyParty.objects.filter(user=user, confirmed_at__isnull=True)
            .select_related("event__paper__session__batch", "event__room").order_by("event__occurred_at"))


def open_discrepancies(paper: Paper) -> QuerySet[Discrepancy]:
    return paper.discrepancies.filter(status=DiscrepancyStatus.OPEN).select_related("event__room")


def recent_item_ids(bank, k: int, *, exclude_paper_id: int | None = None) -> set[int]:
    """Items in the bank's last ``k`` locked (or later) papers (§7.3.1 试题使用记录 → exposure control)."""
    if k <= 0:
        return set()
    papers = (Paper.objects.filter(bank=bank).exclude(status__in=(PaperStatus.ASSEMBLED, PaperStatus.REVIEWED))
              .exclude(pk=exclude_paper_id).order_by("-locked_at", "-pk").values_list("pk", flat=True)[:k])
    from .models import PaperItem

    return set(PaperItem.objects.filter(form__paper_id__in=list(papers)).values_list("item_id", flat=True))


def active_item_count(bank, part: str) -> int:
    return bank.items.filter(status=ItemStatus.ACTIVE, part=part).count()
