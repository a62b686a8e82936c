"""Console pages for certificates (§6.6, §8): submitting a batch's passing results, the supervising side's
review, issuing with national numbers, and the certificates of an issue."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.certificates import selectors, services
from skillcert.certificates.models import CertificateRequest, ReissueReason, RevokeReason

from .itembank_views import _attempt
from .views import staff_required


@staff_required(selectors.uses_certificates)
def certificate_issues(request: HttpRequest) -> HttpResponse:
    return render(request, "console/certificates/issues.html", {"rows": selectors.issue_rows(request.user)})


@staff_required(selectors.uses_certificates)
@require_POST
def certificate_issue_action(request: HttpRequest, batch_pk: int, action: str) -> HttpResponse:
    user = request.user
    if action == "submit":
        _attempt(request, services.issue_submit, _("已提交审核。"), actor=user, batch_id=batch_pk)
        return redirect("console:certificate_issues")
    row = next((r for r in selectors.issue_rows(user) if r["batch"].pk == batch_pk and r["issue"]), None)
    if row is None:
        raise Http404
    issue = row["issue"]
    if action in ("approve", "return"):
        _attempt(request, services.issue_review, _("已审核。"), actor=user, issue_id=issue.pk,
                 approve=action == "approve", note=request.POST.get("note", ""))
    elif action == "issue":
        raw = request.POST.get("issue_date", "")
        try:
            day = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            day = dt.date.max  # refused by the service with the field named
        made = _attempt(request, services.issue_certificates, _("证书已核发。"), actor=user, issue_id=issue.pk,
                        issue_date=day)
        if made:
            return redirect("console:certificate_list", issue.pk)
    else:
        raise Http404
    return redirect("console:certificate_issues")


@staff_required(selectors.uses_certificates)
def certificate_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificates of an issue, with 补发 and 撤销 (asked by the office, decided by another body admin)."""
    issue = selectors.issue_get_for_user(request.user, pk)
    if request.method == "POST":
        action, user, post = request.POST.get("action"), request.user, request.POST
        cert_id = int(post.get("certificate") or 0)
        if not issue.certificates.filter(pk=cert_id).exists() and action in ("reissue", "revoke"):
            raise Http404
        if action == "reissue":
            _attempt(request, services.request_reissue, _("补发申请已提交，待另一人审批。"), actor=user,
                     certificate_id=cert_id, reason=post.get("reason", ""), detail=post.get("detail", ""),
                     id_checked=bool(post.get("id_checked")))
        elif action == "revoke":
            raw = post.get("bar_until", "")
            try:
                until = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                until = dt.date.min  # refused by the service with the field named
            _attempt(request, services.request_revoke, _("撤销申请已提交，待另一人审批。"), actor=user,
                     certificate_id=cert_id, reason=post.get("reason", ""), detail=post.get("detail", ""),
                     bar_until=until)
        elif action in ("approve", "reject"):
            req = CertificateRequest.objects.filter(pk=int(post.get("request") or 0), certificate__issue=issue).first()
            if req is None:
                raise Http404
            _attempt(request, services.request_decide, _("已审批。"), actor=user, request_id=req.pk,
                     approve=action == "approve")
        else:
            raise Http404
        return redirect("console:certificate_list", issue.pk)
    return render(request, "console/certificates/list.html", {
        "issue": issue, "certificates": list(issue.certificates.select_related("replaced_by").order_by("number")),
        "requests": list(CertificateRequest.objects.filter(certificate__issue=issue).select_related(
            "certificate", "requested_by", "decided_by", "new_certificate")),
        "office": selectors.is_office(request.user, issue), "reissue_reasons": ReissueReason.choices,
        "revoke_reasons": RevokeReason.choices})


@staff_required(selectors.uses_certificates)
def certificate_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The paper (print on the body's stock) or electronic certificate(s) of an issue; every print is audited."""
    from django.db import transaction

    from skillcert.certificates.documents import certificate_pdf as render_pdf
    from skillcert.core import audit

    issue = selectors.issue_get_for_user(request.user, pk)
    if kind not in ("paper", "electronic") or not selectors.is_office(request.user, issue):
        raise Http404
    certs = issue.certificates.select_related("holder__candidate_profile").order_by("number")
    one = request.GET.get("certificate", "")
    if one.isdigit():
        certs = certs.filter(pk=int(one))
    certs = list(certs)
    if not certs:
        raise Http404
    data = render_pdf(certs, electronic=kind == "electronic")
    with transaction.atomic():
        audit.record(request.user, "certificates.printed", target=issue,
                     data={"kind": kind, "count": len(certs), "numbers": [certs[0].number, certs[-1].number]})
    response = HttpResponse(data, content_type="application/pdf")
    name = certs[0].number if len(certs) == 1 else f"certificates-{issue.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}-{kind}.pdf"'
    return response


@staff_required(selectors.uses_certificates)
def certificate_roster(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """证书花名册 of an issue as Excel or PDF (§9.1 f), for the body's office; every download audited."""
    from skillcert.certificates import documents
    from skillcert.core.files import audited_download

    issue = selectors.issue_get_for_user(request.user, pk)
    if fmt not in ("xlsx", "pdf") or not selectors.is_office(request.user, issue):
        raise Http404
    who = request.user.full_name or request.user.username
    data = documents.roster_xlsx(issue) if fmt == "xlsx" else documents.roster_pdf(issue, who)
    return audited_download(request.user, data, fmt=fmt, name=f"certificate-roster-{issue.pk}",
                            action="certificates.roster.downloaded", target=issue)
