"""Console pages for certificates (§6.6, §8): submitting a batch's passing results, the supervising side's
review, issuing with national numbers, and the certificates of an issue."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.accounts.enums import IdType
from skillcert.certificates import rules, selectors, services
from skillcert.certificates.models import CertificateRequest, ReissueReason, RevokeReason

from ..common import flash_refusal, perform, staff_required
from ..forms import certificates as cf
from ..forms.grading import flash_form_errors, posted_action


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
        perform(request, services.issue_submit, _("已提交审核。"), actor=user, batch_id=batch_pk)
        return redirect("console:certificate_issues")
    row = next((r for r in selectors.issue_rows(user) if r["batch"].pk == batch_pk and r["issue"]), None)
    if row is None:
        raise Http404
    issue = row["issue"]
    if action in ("approve", "return"):
        form = cf.IssueReviewForm(request.POST)
        if form.is_valid():
            perform(request, services.issue_review, _("已审核。"), actor=user, issue_id=issue.pk,
                    approve=action == "approve", note=form.cleaned_data["note"])
        else:
            flash_form_errors(request, form)
    elif action == "issue":
        form = cf.IssueDateForm(request.POST)
        if not form.is_valid():
            flash_form_errors(request, form)
            return redirect("console:certificate_issues")
        made = perform(request, services.issue_certificates, _("证书已核发。"), actor=user, issue_id=issue.pk,
                       issue_date=form.cleaned_data["issue_date"])
        if made:
            return redirect("console:certificate_list", issue.pk)
    else:
        raise Http404
    return redirect("console:certificate_issues")


def _certificate_request(request: HttpRequest, issue, action: str) -> None:
    """补发 or 撤销 of a certificate of this issue, asked by the office; a second person decides."""
    form_class = cf.ReissueForm if action == "reissue" else cf.RevokeForm
    form = form_class(request.POST, request.FILES, certificates=issue.certificates.all())
    if not form.is_valid():
        flash_form_errors(request, form)
        return
    d = form.cleaned_data
    if action == "reissue":
        perform(request, services.request_reissue, _("补发申请已提交，待另一人审批。"), actor=request.user,
                certificate_id=d["certificate"].pk, reason=d["reason"], detail=d["detail"],
                id_checked=d["id_checked"], full_name=d["full_name"], id_type=d["id_type"],
                id_number=d["id_number"], photo=d["photo"], evidence=d["evidence"])
    else:
        perform(request, services.request_revoke, _("撤销申请已提交，待另一人审批。"), actor=request.user,
                certificate_id=d["certificate"].pk, reason=d["reason"], detail=d["detail"],
                bar_until=d["bar_until"])


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
                                 inline=cf.FlagForm(request.GET).on("inline"))


@staff_required(rules.uses_certificates)
def certificate_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificates of an issue, with 补发 and 撤销 (asked by the office, decided by another body admin)."""
    issue = selectors.issue_get_for_user(request.user, pk)
    if request.method == "POST":
        action = posted_action(request, "reissue", "revoke", "approve", "reject")
        if action in ("reissue", "revoke"):
            _certificate_request(request, issue, action)
        else:
            form = cf.RequestDecideForm(request.POST, requests=CertificateRequest.objects.filter(
                certificate__issue=issue))
            if not form.is_valid():  # a request of another issue (or none) is not found here
                raise Http404
            perform(request, services.request_decide, _("已审批。"), actor=request.user,
                    request_id=form.cleaned_data["request"].pk, approve=action == "approve")
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
    one = cf.ObjectQueryForm(request.GET, "certificate", certs)
    if one.asked():
        certs = certs.filter(pk=one.chosen().pk) if one.chosen() else certs.none()
    certs = list(certs)
    if not certs:
        raise Http404
    try:
        data = render_pdf(certs, electronic=kind == "electronic")
    except ValidationError as exc:  # §8.2.3.2–3: a photo or the seal is missing
        flash_refusal(request, exc)
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

@staff_required(rules.uses_ledger)
def certificate_ledger(request: HttpRequest) -> HttpResponse:
    """证书台账: blank stock received, sheets destroyed before witnesses, and the ledger report per batch or period."""
    from skillcert.certificates import ledger
    from skillcert.certificates.models import CertificateIssue, StockReceipt

    body, bodies = selectors.office_body(request.user, cf.chosen_body(request))
    if request.method == "POST":
        if posted_action(request, "receive", "spoil") == "receive":
            form = cf.StockReceiveForm(request.POST)
            if form.is_valid():
                perform(request, ledger.stock_receive, _("空白证书已入库。"), actor=request.user, body_id=body.pk,
                        **form.cleaned_data)
        else:
            form = cf.SpoilForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                perform(request, ledger.spoil, _("销毁已登记。"), actor=request.user, body_id=body.pk,
                        serial=d["serial"], reason=d["reason"], witnesses=form.witnesses())
        if form.errors:
            flash_form_errors(request, form)
        return redirect(f"{request.path}?body={body.pk}")
    q = cf.LedgerQueryForm(request.GET)
    issues = list(CertificateIssue.objects.filter(batch__announcement__body=body, status="issued")
                  .select_related("batch").order_by("-issue_date", "-pk"))
    issue = next((i for i in issues if i.pk == q.value("issue")), None)
    start, end = q.value("start"), q.value("end")
    if issue is None and start is None and end is None:
        start = timezone.localdate().replace(month=1, day=1)
    report = ledger.report(body.pk, issue=issue, start=start, end=end)
    fmt = q.value("format")
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
    form = cf.PrintForm(request.POST, certificates=issue.certificates.all())
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("console:certificate_list", issue.pk)
    one = form.cleaned_data["certificate"]
    pairs = perform(request, ledger.print_paper, _("印制已登记。"), actor=request.user, issue_id=issue.pk,
                    first_serial=form.cleaned_data["first_serial"], certificate_ids=[one.pk] if one else None)
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
    form = cf.DeliverForm(request.POST, certificates=issue.certificates.all())
    if form.is_valid():
        d = form.cleaned_data
        perform(request, ledger.deliver, _("发放已登记。"), actor=request.user, certificate_id=d.pop("certificate").pk,
                **d)
    else:
        flash_form_errors(request, form)
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

    body, bodies = selectors.office_body(request.user, cf.chosen_body(request))
    if request.method == "POST":
        form = cf.LayoutForm(request.POST, request.FILES)
        if form.is_valid():
            perform(request, services.layout_save, _("证书版式已保存。"), actor=request.user, body_id=body.pk,
                    **form.cleaned_data)
        else:
            flash_form_errors(request, form)
        return redirect(f"{request.path}?body={body.pk}")
    if cf.FlagForm(request.GET).on("specimen"):
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

    body, bodies = selectors.office_body(request.user, cf.chosen_body(request))
    if request.method == "POST":
        report = perform(request, platform.report_build, _("上报文件已生成。"), actor=request.user, body_id=body.pk)
        return redirect(f"{request.path}?body={body.pk}" + (f"#report-{report.pk}" if report else ""))
    asked = cf.ObjectQueryForm(request.GET, "report", PlatformReport.objects.filter(body=body))
    if asked.asked():
        from skillcert.core.files import audited_download

        report = asked.chosen()
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
