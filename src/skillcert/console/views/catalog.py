"""Staff console (thin): each view checks a rule, fetches through a selector, writes through a service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.accounts import rules
from skillcert.catalog import services as catalog_services
from skillcert.catalog.models import Level, Occupation, Trade
from skillcert.catalog.selectors import occupation_list
from skillcert.core.forms import form_refusal, run_service
from skillcert.grading import results as grading_results

from ..common import flash_refusal, perform, staff_required
from ..forms import accounts as forms


@staff_required(rules.can_view_catalog)
def catalog_list(request: HttpRequest) -> HttpResponse:
    from skillcert.catalog.models import Level
    from skillcert.grading.models import PassRule, ReviewMode

    return render(request, "console/catalog_list.html", {
        "occupations": occupation_list(), "can_edit": rules.can_edit_catalog(request.user),
        "pass_rules": [(lv, PassRule.for_level(lv)) for lv in Level.objects.order_by("-number")],
        "review_modes": ReviewMode.choices,
    })


@staff_required(rules.can_edit_catalog)
@require_POST
def pass_rule_edit(request: HttpRequest, level_pk: int) -> HttpResponse:
    """合格标准 of one level (§6.5.1)."""
    level_pk = get_object_or_404(Level, pk=level_pk).pk
    form = forms.PassRuleForm(request.POST)
    if form.is_valid():
        perform(request, grading_results.pass_rule_save, _("合格标准已保存。"), actor=request.user,
                level_id=level_pk, **form.cleaned_data)
    else:
        flash_refusal(request, form_refusal(form))
    return redirect("console:catalog_list")


@staff_required(rules.can_edit_catalog)
def occupation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    occ = get_object_or_404(Occupation, pk=pk) if pk else None
    form = forms.OccupationForm(request.POST or None, instance=occ)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        levels = list(data.pop("levels"))
        saved = run_service(form, catalog_services.occupation_save, actor=request.user, occupation_id=pk,
                            levels=levels, **data)
        if saved:
            messages.success(request, _("已保存职业“%(name)s”。") % {"name": saved.name})
            return redirect("console:occupation_edit", pk=saved.pk)
    return render(request, "console/occupation_form.html", {"form": form, "occupation": occ})


@staff_required(rules.can_edit_catalog)
def trade_edit(request: HttpRequest, occupation_pk: int, pk: int | None = None) -> HttpResponse:
    occ = get_object_or_404(Occupation, pk=occupation_pk)
    trade = get_object_or_404(Trade, pk=pk, occupation=occ) if pk else None
    form = forms.TradeForm(request.POST or None, instance=trade)
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, catalog_services.trade_save, actor=request.user, occupation_id=occ.pk,
                            trade_id=pk, **form.cleaned_data)
        if saved:
            messages.success(request, _("已保存工种“%(name)s”。") % {"name": saved.name})
            return redirect("console:occupation_edit", pk=occ.pk)
    return render(request, "console/trade_form.html", {"form": form, "occupation": occ, "trade": trade})


