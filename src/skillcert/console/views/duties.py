"""职责分离: the separation-of-duties declarations (accounts.duties) for an auditor — each clause, the pair and
where it is enforced — and what in the viewer's scope breaks them today."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from skillcert.accounts import duties, rules, selectors
from skillcert.accounts.enums import Role

from ..common import staff_required


@staff_required(rules.can_view_duties)
def duties_page(request: HttpRequest) -> HttpResponse:
    pairs = [{"pair": p, "first": Role(p.first).label, "second": Role(p.second).label}
             for p in duties.INCOMPATIBLE_ROLES]
    return render(request, "console/duties.html", {
        "pairs": pairs, "duties": duties.DIFFERENT_PERSON, "findings": selectors.duty_findings_for_user(request.user),
        "grant_service": "accounts.services.role_assign"})
