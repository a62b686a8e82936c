from django.db.models import Prefetch, QuerySet

from .models import Level, Occupation, Trade


def occupation_list(*, active_only: bool = False) -> QuerySet[Occupation]:
    qs = Occupation.objects.prefetch_related(
        Prefetch("levels", queryset=Level.objects.order_by("-number")),
        Prefetch("trades", queryset=Trade.objects.order_by("sort_order", "id")),
    )
    return qs.filter(is_active=True) if active_only else qs


def trade_label(trade: Trade | None) -> str:
    """What a certificate prints in the trade field: the name, or “——” when there is none (§8.2.2.2)."""
    return trade.name if trade is not None else "——"
