"""Console pages for certificates (§6.6, §8): submitting a batch's passing results, the supervising side's
review, issuing with national numbers, and the certificates of an issue."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from skillcert.accounts.enums import IdType
from skillcert.certificates import rules, selectors, services
from skillcert.certificates.models import CertificateRequest, ReissueReason, RevokeReason
from skillcert.core.forms import posted_id

from .common import flash_refusal as _flash
from .common import perform as _attempt
from .common import staff_required


def _date(raw: str | None, bad: dt.date) -> dt.date | None:
    """A form's date, None when empty; ``bad`` (refused by the service with the field named) when malformed."""
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return bad


@staff_required(rules.uses_certificates)
def certificate_issues(request: HttpRequest) -> HttpResponse:
    return render(request, "console/certificates/issues.html", {"rows": selectors.issue_rows(request.user)})


@staff_required(rules.uses_certificates)
@require_POST
def certificate_issue_action(request: HttpRequest, batch_pk: int, action: str) -> HttpResponse:
    user = request.user
    if action == "submit":
        from skillcert.grading import rules as grading_rules
        from skillcert.scheduling.models import Batch

        batch = Batch.objects.select_related("announcement").filter(pk=batch_pk).first()
        if batch is None or not grading_rules.scores_batch(user, batch):  # another body's batch: not found
            raise Http404
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
        made = _attempt(request, services.issue_certificates, _("证书已核发。"), actor=user, issue_id=issue.pk,
                        issue_date=_date(request.POST.get("issue_date"), dt.date.max))
        if made:
            return redirect("console:certificate_list", issue.pk)
    else:
        raise Http404
    return redirect("console:certificate_issues")


class ReissueForm(forms.Form):
    """补发 asked at the office (§8.2.4.1); for 证书信息错误 with the corrected data and the evidence, which the
    service checks (the validators of sign-up and import; the upload checks)."""

    reason = forms.CharField(label=_lazy("补发原因"), max_length=10)
    detail = forms.CharField(label=_lazy("情况说明"), max_length=1000, required=False)
    id_checked = forms.BooleanField(required=False)
    full_name = forms.CharField(label=_lazy("更正后的姓名"), max_length=200, required=False)
    id_type = forms.CharField(label=_lazy("更正后的证件类型"), max_length=20, required=False)
    id_number = forms.CharField(label=_lazy("更正后的证件号码"), max_length=60, required=False)
    photo = forms.FileField(label=_lazy("更正后的证件照"), required=False)
    evidence = forms.FileField(label=_lazy("证明材料"), required=False)


def _reissue(request: HttpRequest, cert_id: int) -> None:
    form = ReissueForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[f].label}：{e}" if f in form.fields else e
                                         for f, errs in form.errors.items() for e in errs))
        return
    d = form.cleaned_data
    _attempt(request, services.request_reissue, _("补发申请已提交，待另一人审批。"), actor=request.user,
             certificate_id=cert_id, reason=d["reason"], detail=d["detail"], id_checked=d["id_checked"],
             full_name=d["full_name"], id_type=d["id_type"], id_number=d["id_number"], photo=d["photo"],
             evidence=d["evidence"])


@staff_required(rules.uses_certificates)
def certificate_request_file(request: HttpRequest, pk: int, request_pk: int, which: str) -> HttpResponse:
    """The evidence or the corrected photo of a reissue request, for the issuing body's office (the decider sees
    them beside the old data)."""
    from skillcert.core.files import private_file_response

    issue = selectors.issue_get_for_user(request.user, pk)
    req = CertificateRequest.objects.filter(pk=request_pk, certificate__issue=issue).first()
    if req is None or not rules.handles_issue(request.user, issue) or which not in ("evidence", "photo"):
        raise Http404
    field = req.evidence if which == "evidence" else req.new_photo
    if not field:
        raise Http404
    kind = req.evidence_type if which == "evidence" else (
        "image/png" if field.name.endswith(".png") else "image/jpeg")
    return private_file_response(field, kind, name=req.evidence_name if which == "evidence" else "",
                                 inline=request.GET.get("inline") == "1")


@staff_required(rules.uses_certificates)
def certificate_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificates of an issue, with 补发 and 撤销 (asked by the office, decided by another body admin)."""
    issue = selectors.issue_get_for_user(request.user, pk)
    if request.method == "POST":
        action, user, post = request.POST.get("action"), request.user, request.POST
        cert_id = posted_id(post, "certificate") or 0
        if not issue.certificates.filter(pk=cert_id).exists() and action in ("reissue", "revoke"):
            raise Http404
        if action == "reissue":
            _reissue(request, cert_id)
        elif action == "revoke":
            _attempt(request, services.request_revoke, _("撤销申请已提交，待另一人审批。"), actor=user,
                     certificate_id=cert_id, reason=post.get("reason", ""), detail=post.get("detail", ""),
                     bar_until=_date(post.get("bar_until"), dt.date.min))
        elif action in ("approve", "reject"):
            req = CertificateRequest.objects.filter(pk=posted_id(post, "request") or 0,
                                                    certificate__issue=issue).first()
            if req is None:
                raise Http404
            _attempt(request, services.request_decide, _("已审批。"), actor=user, request_id=req.pk,
                     approve=action == "approve")
        else:
            raise Http404
        return redirect("console:certificate_list", issue.pk)
    from skillcert.certificates.models import LedgerEntry, LedgerEvent, SheetState, StockSheet

    certificates = list(issue.certificates.select_related("replaced_by").order_by("number"))
    sheets = dict(StockSheet.objects.filter(certificate__issue=issue, state=SheetState.PRINTED)
                  .values_list("certificate_id", "serial"))
    handed = {e.certificate_id: e for e in LedgerEntry.objects.filter(
        issue=issue, event__in=(LedgerEvent.HANDED, LedgerEvent.MAILED))}
    for c in certificates:
        c.sheet_serial, c.delivery = sheets.get(c.pk), handed.get(c.pk)
    return render(request, "console/certificates/list.html", {
        "issue": issue, "certificates": certificates,
        "unprinted": sum(1 for c in certificates if c.status == "valid" and not c.sheet_serial),
        "requests": list(CertificateRequest.objects.filter(certificate__issue=issue).select_related(
            "certificate", "requested_by", "decided_by", "new_certificate")),
        "office": rules.handles_issue(request.user, issue), "reissue_reasons": ReissueReason.choices,
        "revoke_reasons": RevokeReason.choices, "id_types": IdType.choices})


@staff_required(rules.uses_certificates)
def certificate_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The electronic certificates of an issue in one signed file (paper ones are printed through the ledger,
    ``certificate_print``); every download is audited."""
    from django.db import transaction

    from skillcert.certificates.documents import certificate_pdf as render_pdf
    from skillcert.core import audit

    issue = selectors.issue_get_for_user(request.user, pk)
    if kind != "electronic" or not rules.handles_issue(request.user, issue):
        raise Http404
    from skillcert.certificates.models import CertificateStatus

    # Valid certificates only: a revoked or replaced one is never handed out looking valid.
    certs = (issue.certificates.filter(status=CertificateStatus.VALID).select_related("holder__candidate_profile")
             .order_by("number"))
    if request.GET.get("certificate"):
        certs = certs.filter(pk=posted_id(request.GET, "certificate") or 0)
    certs = list(certs)
    if not certs:
        raise Http404
    try:
        data = render_pdf(certs, electronic=kind == "electronic")
    except ValidationError as exc:  # §8.2.3.2–3: a photo or the seal is missing
        _flash(request, exc)
        return redirect("console:certificate_list", issue.pk)
    with transaction.atomic():
        audit.record(request.user, "certificates.printed", target=issue,
                     data={"kind": kind, "count": len(certs), "numbers": [certs[0].number, certs[-1].number]})
    response = HttpResponse(data, content_type="application/pdf")
    name = certs[0].number if len(certs) == 1 else f"certificates-{issue.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}-{kind}.pdf"'
    return response


@staff_required(rules.uses_certificates)
def certificate_roster(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """证书花名册 of an issue as Excel or PDF (§9.1 f), for the body's office; every download audited."""
    from skillcert.certificates import documents
    from skillcert.core.files import audited_download

    issue = selectors.issue_get_for_user(request.user, pk)
    if fmt not in ("xlsx", "pdf") or not rules.handles_issue(request.user, issue):
        raise Http404
    who = request.user.full_name or request.user.username
    data = documents.roster_xlsx(issue) if fmt == "xlsx" else documents.roster_pdf(issue, who)
    return audited_download(request.user, data, fmt=fmt, name=f"certificate-roster-{issue.pk}",
                            action="certificates.roster.downloaded", target=issue)


# --- 证书台账 (§8.2.4.2) -----------------------------------------------------------------------------------------

def _int(raw: str | None, default: int = 0) -> int:
    try:
        return int(raw) if raw not in (None, "") else default
    except ValueError:
        return -10 ** 6  # out of every range: the service names the field


@staff_required(rules.uses_ledger)
def certificate_ledger(request: HttpRequest) -> HttpResponse:
    """证书台账: blank stock received, sheets destroyed before witnesses, and the ledger report per batch or period."""
    from skillcert.certificates import ledger
    from skillcert.certificates.models import CertificateIssue, StockReceipt

    body, bodies = selectors.office_body(request.user, request.GET.get("body") or request.POST.get("body"))
    if request.method == "POST":
        post, action = request.POST, request.POST.get("action")
        if action == "receive":
            _attempt(request, ledger.stock_receive, _("空白证书已入库。"), actor=request.user, body_id=body.pk,
                     prefix=post.get("prefix", ""), first=_int(post.get("first")), last=_int(post.get("last")),
                     width=_int(post.get("width"), 7), source=post.get("source", ""),
                     received_on=_date(post.get("received_on"), dt.date.max) or timezone.localdate())
        elif action == "spoil":
            _attempt(request, ledger.spoil, _("销毁已登记。"), actor=request.user, body_id=body.pk,
                     serial=post.get("serial", ""), reason=post.get("reason", ""),
                     witnesses=[post.get("witness1", ""), post.get("witness2", "")])
        else:
            raise Http404
        return redirect(f"{request.path}?body={body.pk}")
    q = request.GET
    issues = list(CertificateIssue.objects.filter(batch__announcement__body=body, status="issued")
                  .select_related("batch").order_by("-issue_date", "-pk"))
    issue = next((i for i in issues if str(i.pk) == q.get("issue", "")), None)
    start, end = _date(q.get("start"), None), _date(q.get("end"), None)
    if issue is None and start is None and end is None:
        start = timezone.localdate().replace(month=1, day=1)
    report = ledger.report(body.pk, issue=issue, start=start, end=end)
    fmt = q.get("format")
    if fmt in ("xlsx", "pdf"):
        return _ledger_download(request, body, issue, start, end, report, fmt)
    return render(request, "console/certificates/ledger.html", {
        "body": body, "bodies": bodies, "issues": issues, "issue": issue, "start": start, "end": end,
        "report": report, "entries": list(report["entries"].reverse()[:300]),
        "receipts": StockReceipt.objects.filter(body=body).select_related("received_by")[:50]})


def _ledger_download(request, body, issue, start, end, report, fmt: str) -> HttpResponse:
    from skillcert.certificates import ledger
    from skillcert.core.excel import workbook_bytes
    from skillcert.core.files import audited_download
    from skillcert.core.pdf import printed_footer, table_pdf

    scope = (_("批次：%(b)s") % {"b": issue.batch.name} if issue else _("期间：%(s)s 至 %(e)s") % {
        "s": start.isoformat() if start else "—", "e": end.isoformat() if end else "—"})
    rows = ledger.report_rows(report["entries"])
    summary = "；".join(f"{label} {n}" for label, _e, n in report["counts"])
    if fmt == "xlsx":
        data = workbook_bytes(_("证书台账"), ledger.report_header(), rows)
    else:
        lines = [body.name, scope, summary]
        if issue is not None:
            lines.append(_("未溯源到持证人的证书：%(n)s 本") % {"n": len(report["untraced"])})
        data = table_pdf(title=_("证书台账"), lines=lines, header=ledger.report_header(), rows=rows,
                         widths_mm=[26, 18, 46, 16, 24, 10, 16, 24, 24, 40, 18],
                         footer=printed_footer(request.user.full_name or request.user.username))
    return audited_download(request.user, data, fmt=fmt, name=f"certificate-ledger-{body.pk}",
                            action="certificates.ledger.downloaded", target=issue or body)


@staff_required(rules.uses_certificates)
@require_POST
def certificate_print(request: HttpRequest, pk: int) -> HttpResponse:
    """印制: the valid certificates of an issue not yet printed (or one), on blank sheets from the serial given; the
    ledger records each sheet, then the print-ready PDF comes back."""
    from skillcert.certificates import ledger
    from skillcert.certificates.documents import certificate_pdf as render_pdf

    issue = selectors.issue_get_for_user(request.user, pk)
    one = posted_id(request.POST, "certificate")
    pairs = _attempt(request, ledger.print_paper, _("印制已登记。"), actor=request.user, issue_id=issue.pk,
                     first_serial=request.POST.get("first_serial", ""),
                     certificate_ids=[one] if one else None)
    if not pairs:
        return redirect("console:certificate_list", issue.pk)
    data = render_pdf([c for c, _sheet in pairs], electronic=False)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="certificates-{issue.pk}-'
                                       f'{pairs[0][1].serial}-{pairs[-1][1].serial}.pdf"')
    return response


@staff_required(rules.uses_certificates)
@require_POST
def certificate_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    """发放: handed over against the recipient's signature, or mailed with the tracking number."""
    from skillcert.certificates import ledger

    issue = selectors.issue_get_for_user(request.user, pk)
    post = request.POST
    cert = issue.certificates.filter(pk=_int(post.get("certificate"))).first()
    if cert is None:
        raise Http404
    _attempt(request, ledger.deliver, _("发放已登记。"), actor=request.user, certificate_id=cert.pk,
             how=post.get("how", ""), recipient=post.get("recipient", ""), signed=bool(post.get("signed")),
             tracking=post.get("tracking", ""), note=post.get("note", ""))
    return redirect("console:certificate_list", issue.pk)


@staff_required(rules.uses_certificates)
def certificate_handover_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """证书发放签收表: the printed certificates of an issue with a column for the recipient's signature."""
    from skillcert.certificates import ledger
    from skillcert.core.files import audited_download

    issue = selectors.issue_get_for_user(request.user, pk)
    if not rules.handles_issue(request.user, issue):
        raise Http404
    data = ledger.handover_sheet_pdf(issue, request.user.full_name or request.user.username)
    return audited_download(request.user, data, fmt="pdf", name=f"certificate-handover-{issue.pk}",
                            action="certificates.handover_sheet.downloaded", target=issue)


# --- 证书版式与印章 (§8.2.3), 数据上报与人才统计 (§6.6.2, §8.1.2.3) ------------------------------------------------

@staff_required(rules.uses_ledger)
def certificate_layout(request: HttpRequest) -> HttpResponse:
    from skillcert.certificates.models import CertificateLayout

    body, bodies = selectors.office_body(request.user, request.GET.get("body") or request.POST.get("body"))
    if request.method == "POST":
        post, upload = request.POST, request.FILES.get("seal")
        _attempt(request, services.layout_save, _("证书版式已保存。"), actor=request.user, body_id=body.pk,
                 seal=upload.read(services.SEAL_MAX_BYTES + 1) if upload else None,
                 remove_seal=bool(post.get("remove_seal")), seal_mm=_int(post.get("seal_mm"), 40),
                 offset_x_mm=_int(post.get("offset_x_mm")), offset_y_mm=_int(post.get("offset_y_mm")),
                 preprinted=bool(post.get("preprinted")))
        return redirect(f"{request.path}?body={body.pk}")
    if request.GET.get("specimen"):
        from skillcert.certificates.documents import specimen_pdf

        response = HttpResponse(specimen_pdf(body), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="certificate-specimen-{body.pk}.pdf"'
        return response
    return render(request, "console/certificates/layout.html", {
        "body": body, "bodies": bodies, "layout": CertificateLayout.objects.filter(body=body).first(),
        "admin": rules.issues(request.user, body.pk)})


@staff_required(rules.uses_ledger)
def certificate_platform(request: HttpRequest) -> HttpResponse:
    """证书数据上报 and the talent statistics of the bodies the user works for."""
    from skillcert.certificates import platform
    from skillcert.certificates.models import PlatformReport

    body, bodies = selectors.office_body(request.user, request.GET.get("body") or request.POST.get("body"))
    if request.method == "POST":
        report = _attempt(request, platform.report_build, _("上报文件已生成。"), actor=request.user,
                          body_id=body.pk)
        return redirect(f"{request.path}?body={body.pk}" + (f"#report-{report.pk}" if report else ""))
    if request.GET.get("report", ""):
        from skillcert.core.files import audited_download

        report = PlatformReport.objects.filter(pk=posted_id(request.GET, "report") or 0, body=body).first()
        if report is None:
            raise Http404
        with report.file.open("rb") as fh:
            data = fh.read()
        return audited_download(request.user, data, fmt="xlsx", name=f"certificate-report-{report.pk}",
                                action="certificates.platform.downloaded", target=report)
    return render(request, "console/certificates/platform.html", {
        "body": body, "bodies": bodies, "pending": platform.pending(body.pk).count(),
        "reports": PlatformReport.objects.filter(body=body).select_related("by")[:50],
        "talent": platform.talent_counts([body.pk]),
        "admin": rules.issues(request.user, body.pk)})
