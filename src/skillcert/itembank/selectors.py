"""Reads with rules (§10.9). Banks, items and their records are fetched here and answer 404 outside the
user's bank scope. Reading content is not a selector: it goes through ``services.item_content`` so that
every read is audited with the reader."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from skillcert.accounts.selectors import one_or_404

from . import rules
from .enums import ItemStatus
from .models import AcceptanceMeeting, Bank, BankRelease, Blueprint, ExportRequest, Item, ItemProblem


def bank_list_for_user(user, roles=rules.BANK_ROLES) -> QuerySet[Bank]:
    return (Bank.objects.filter(rules.bank_scope_q(user, roles))
            .select_related("body", "occupation", "trade", "level"))


def bank_get_for_user(user, pk: int, roles=rules.BANK_ROLES) -> Bank:
    return one_or_404(bank_list_for_user(user, roles), pk)


def blueprint_get_for_user(user, pk: int) -> Blueprint:
    qs = Blueprint.objects.filter(rules.bank_scope_q(user, prefix="bank__")).select_related("bank__level")
    return one_or_404(qs, pk)


def current_blueprint(bank: Bank) -> Blueprint | None:
    """The latest approved blueprint version: the one new items are written against."""
    return bank.blueprints.filter(approved_at__isnull=False).order_by("-version").first()


def item_list_for_user(user) -> QuerySet[Item]:
    return Item.objects.filter(rules.bank_scope_q(user, prefix="bank__")).select_related(
        "bank__body", "bank__occupation", "bank__level", "bank__trade", "author", "current_version")


def item_get_for_user(user, pk: int) -> Item:
    return one_or_404(item_list_for_user(user), pk)


def item_search(bank: Bank, *, element: str = "", types=(), statuses=(), difficulty_min: int | None = None,
                difficulty_max: int | None = None, code: str = "", author_id: int | None = None) -> QuerySet[Item]:
    """Metadata search (element prefix, type, difficulty range, status); content is never searched."""
    qs = Item.objects.filter(bank=bank)
    if element:
        qs = qs.filter(element_code__startswith=element.strip().upper())
    if types:
        qs = qs.filter(type__in=list(types))
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    if difficulty_min:
        qs = qs.filter(difficulty__gte=difficulty_min)
    if difficulty_max:
        qs = qs.filter(difficulty__lte=difficulty_max)
    if code:
        qs = qs.filter(code__icontains=code.strip())
    if author_id:
        qs = qs.filter(author_id=author_id)
    return qs.order_by("code")


def review_queue(user, bank: Bank) -> QuerySet[Item]:
    """Submitted items a reviewer may take, and the ones they hold in review (never their own)."""
    return (Item.objects.filter(bank=bank)
            .filter(Q(status=ItemStatus.SUBMITTED) | Q(status=ItemStatus.IN_REVIEW, reviewer=user))
            .exclude(author=user).order_by("updated_at"))


def meeting_get_for_user(user, pk: int) -> AcceptanceMeeting:
    qs = AcceptanceMeeting.objects.filter(rules.bank_scope_q(user, prefix="bank__")).select_related("bank")
    return one_or_404(qs, pk)


def meetings_to_sign(user) -> QuerySet[AcceptanceMeeting]:
    return AcceptanceMeeting.objects.filter(members__user=user, members__signed_at__isnull=True).distinct()


def release_get_for_user(user, pk: int) -> BankRelease:
    qs = BankRelease.objects.filter(rules.bank_scope_q(user, prefix="bank__")).select_related("bank", "blueprint")
    return one_or_404(qs.annotate(n_items=Count("item_versions")), pk)


def problem_get_for_user(user, pk: int) -> ItemProblem:
    qs = ItemProblem.objects.filter(rules.bank_scope_q(user, prefix="item__bank__")).select_related("item__bank")
    return one_or_404(qs, pk)


def export_get_for_user(user, pk: int) -> ExportRequest:
    qs = ExportRequest.objects.filter(rules.bank_scope_q(user, prefix="bank__")).select_related("bank")
    return one_or_404(qs, pk)


def problems_open(bank: Bank) -> QuerySet[ItemProblem]:
    return ItemProblem.objects.filter(item__bank=bank, status="open").select_related("item", "reported_by")
