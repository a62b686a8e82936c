"""Staff console (thin): each view checks a rule, fetches through a selector, writes through a service."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import rules, selectors
from skillcert.core.excel import XLSX_MIME, workbook_bytes
from skillcert.core.forms import ListQueryForm

from ..common import staff_required
from ..forms import accounts as forms


def _audit_queryset(request: HttpRequest):
    form = forms.AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.audit_entries_for_user(request.user, **{k: v for k, v in filters.items() if v})


@staff_required(rules.can_view_audit)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, entries = _audit_queryset(request)
    nav = ListQueryForm(request.GET)
    page = Paginator(entries, 50).get_page(nav.value("page"))
    query = nav.query_without("page")
    return render(request, "console/audit_list.html", {"form": form, "page": page, "query": query.urlencode()})


@staff_required(rules.can_view_audit)
def audit_export(request: HttpRequest) -> HttpResponse:
    _form, entries = _audit_queryset(request)
    header = [_("序号"), _("时间"), _("操作人"), _("动作"), _("对象类型"), _("对象ID"), _("对象"), _("结果"),
              _("IP地址"), _("数据"), _("哈希")]
    rows = (
        [e.seq, timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_label, e.action, e.target_type,
         e.target_id, e.target_label, e.get_outcome_display(), e.ip or "", e.data_text, e.hash]
        for e in entries.iterator(chunk_size=2000)
    )
    content = workbook_bytes(_("审计日志"), header, rows)
    response = HttpResponse(content, content_type=XLSX_MIME)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response


