"""Catalogue writes (§4.2 表1). Only the platform admin edits the catalogue."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from skillcert.accounts import rules
from skillcert.core import audit

from .models import Level, Occupation, Trade

OCCUPATION_FIELDS = ("code", "name", "name_en", "description", "is_active")
TRADE_FIELDS = ("name", "name_en", "sort_order", "is_active")


def _require_catalog_editor(actor) -> None:
    if not rules.can_edit_catalog(actor):
        raise PermissionDenied(_("只有平台管理员可以修改职业目录。"))


def _values(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


@transaction.atomic
def occupation_save(*, actor, occupation_id: int | None = None, levels: list[Level], **fields) -> Occupation:
    _require_catalog_editor(actor)
    occ = Occupation.objects.select_for_update().get(pk=occupation_id) if occupation_id else Occupation()
    before = _values(occ, OCCUPATION_FIELDS) if occupation_id else {}
    before_levels = sorted(occ.levels.values_list("number", flat=True)) if occupation_id else []
    for key in OCCUPATION_FIELDS:
        if key in fields:
            setattr(occ, key, fields[key])
    occ.full_clean()
    occ.save()
    occ.levels.set(levels)
    after = _values(occ, OCCUPATION_FIELDS)
    after_levels = sorted(lv.number for lv in levels)
    if occupation_id:
        levels = {"levels": {"old": before_levels, "new": after_levels}} if before_levels != after_levels else {}
        audit.record_changes(actor, "catalog.occupation.updated", target=occ, before=before, after=after, extra=levels)
    else:
        audit.record(actor, "catalog.occupation.created", target=occ, data={"new": {**after, "levels": after_levels}})
    return occ


@transaction.atomic
def trade_save(*, actor, occupation_id: int, trade_id: int | None = None, **fields) -> Trade:
    _require_catalog_editor(actor)
    occ = Occupation.objects.select_for_update().get(pk=occupation_id)
    trade = Trade.objects.select_for_update().get(pk=trade_id, occupation=occ) if trade_id else Trade(occupation=occ)
    before = _values(trade, TRADE_FIELDS) if trade_id else {}
    for key in TRADE_FIELDS:
        if key in fields:
            setattr(trade, key, fields[key])
    trade.full_clean()
    trade.save()
    after = _values(trade, TRADE_FIELDS)
    if trade_id:
        audit.record_changes(actor, "catalog.trade.updated", target=trade, before=before, after=after)
    else:
        audit.record(actor, "catalog.trade.created", target=trade, data={"new": after, "occupation": occ.code})
    return trade
