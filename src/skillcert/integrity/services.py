"""Recording and checking integrity bars (§6.8.2)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from skillcert.core import audit

from . import rules
from .models import BarReason, IntegrityBar


def active_bar(*, id_type: str, id_number: str, on: dt.date) -> IntegrityBar | None:
    """The bar in force for this identity on this date, if any (checked before every application)."""
    return (IntegrityBar.objects.filter(id_type=id_type, id_number=id_number.strip().upper(), lifted_at__isnull=True,
                                        starts_on__lte=on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).order_by("-starts_on").first())


def refuse_if_barred(*, id_type: str, id_number: str, on: dt.date) -> None:
    bar = active_bar(id_type=id_type, id_number=id_number, on=on)
    if bar is None:
        return
    until = bar.ends_on.isoformat() if bar.ends_on else _("另行通知")
    raise ValidationError(_("根据诚信档案（%(reason)s），您在 %(until)s 之前不能报名。") % {
        "reason": bar.get_reason_display(), "until": until}, code="integrity_bar")


@transaction.atomic
def bar_record(*, actor, body, id_type: str, id_number: str, full_name: str, reason: str, details: str,
               starts_on: dt.date, ends_on: dt.date | None = None) -> IntegrityBar:
    if not rules.records_bars(actor, body):
        raise PermissionDenied(_("您无权记录该机构的诚信档案。"))
    if reason not in BarReason.values:
        raise ValidationError({"reason": _("请选择原因。")})
    if not details.strip():
        raise ValidationError({"details": _("请填写情况说明。")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("截止日期不能早于起始日期。")})
    bar = IntegrityBar.objects.create(
        id_type=id_type, id_number=id_number.strip().upper(), full_name=full_name, reason=reason,
        details=details.strip(), starts_on=starts_on, ends_on=ends_on, body=body, recorded_by=actor)
    audit.record(actor, "integrity.bar.recorded", target=bar, data={
        "reason": reason, "starts_on": starts_on, "ends_on": ends_on, "id_type": id_type})
    return bar
