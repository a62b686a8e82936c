"""成绩汇总表 (§9.1 f, §6.5.2): a batch's results as Excel and as a printable PDF, with who reviewed, confirmed
and published them. Downloading is audited: before publication these are the most sensitive numbers the body
holds (§10.7)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core.excel import workbook_bytes
from skillcert.core.pdf import printed_footer, table_pdf
from skillcert.registration.idnumbers import mask_id
from skillcert.scheduling.models import AdmissionTicket, Batch

from .models import PartState, Result, ResultStatus


def _score(value, state: str, label: str) -> str:
    if value is not None:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return "—" if state == PartState.NOT_REQUIRED else label


def header() -> list[str]:
    return [_("序号"), _("姓名"), _("证件号码"), _("准考证号"), _("职业（工种）"), _("等级"), _("理论知识"),
            _("实际操作"), _("综合评审"), _("结果"), _("备注")]


def summary_rows(batch: Batch) -> list[list[str]]:
    results = list(Result.objects.filter(batch=batch).select_related(
        "application__offer__occupation", "application__offer__trade", "application__offer__level")
        .order_by("application__offer__level__number", "application__full_name"))
    from .results import state_labels

    state_labels(batch, results)
    tickets = dict(AdmissionTicket.objects.filter(batch=batch).values_list("application_id", "number"))
    rows = []
    for i, r in enumerate(results, start=1):
        app, offer = r.application, r.application.offer
        verdict = "" if r.passed is None else (_("合格") if r.passed else _("不合格"))
        rows.append([str(i), app.full_name, mask_id(app.id_number), tickets.get(app.pk, ""),
                     offer.trade.name if offer.trade_id else offer.occupation.name, offer.level.name,
                     _score(r.theory, r.theory_state, r.state_label["theory"]),
                     _score(r.practical, r.practical_state, r.state_label["practical"]),
                     _score(r.review, r.review_state, r.state_label["review"]), verdict,
                     "；".join(r.anomalies)])
    return rows


def _status_line(batch: Batch) -> str:
    results = Result.objects.filter(batch=batch)
    confirmed = results.exclude(confirmed_at__isnull=True).select_related("confirmed_by").first()
    published = results.filter(status=ResultStatus.PUBLISHED).first()
    parts = [_("共 %(n)s 人，合格 %(p)s 人") % {"n": results.count(), "p": results.filter(passed=True).count()}]
    if confirmed:
        parts.append(_("复核确认：%(who)s %(at)s") % {
            "who": confirmed.confirmed_by.full_name or confirmed.confirmed_by.username,
            "at": timezone.localtime(confirmed.confirmed_at).strftime("%Y-%m-%d %H:%M")})
    else:
        parts.append(_("尚未复核确认"))
    parts.append(_("发布：%(at)s") % {"at": timezone.localtime(published.published_at).strftime("%Y-%m-%d %H:%M")}
                 if published else _("尚未发布（不得外泄）"))
    return "　".join(parts)


def summary_xlsx(batch: Batch) -> bytes:
    return workbook_bytes(_("成绩汇总表"), header(), summary_rows(batch))


def summary_pdf(batch: Batch, printed_by: str) -> bytes:
    return table_pdf(title=_("%(batch)s 成绩汇总表") % {"batch": batch.name},
                     lines=[str(batch.announcement), _status_line(batch)], header=header(), rows=summary_rows(batch),
                     widths_mm=[12, 22, 44, 36, 30, 16, 18, 20, 18, 14, 43],
                     footer=printed_footer(printed_by))
