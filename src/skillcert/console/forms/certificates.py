"""The forms of the certificate pages (§6.6 核发, §8.2 印制与发放, §8.2.4 补发, §8.4 撤销, §8.2.4.2 台账): dates
are real dates, numbers whole numbers in their ranges, and ids objects of this issue or body — a refusal names the
field in Chinese and no service is called (issue #21 item 1: no ``date.max`` or ``-10**6`` for bad input)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillcert.certificates.models import LedgerEvent, RevokeReason

from ..forms.grading import object_field


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, error_messages={"invalid": _("请填写有效的日期（年-月-日）。")}, **kwargs)


class BodyForm(forms.Form):
    """The body a ledger, layout or platform page is about (``?body=``), among the user's office bodies."""

    body = forms.CharField(max_length=12, required=False)


def chosen_body(request: HttpRequest) -> str | None:
    """``body`` from the query string, else from the POST (the page's own forms carry it)."""
    for form in (BodyForm(request.GET), BodyForm(request.POST)):
        if form.is_valid() and form.cleaned_data["body"]:
            return form.cleaned_data["body"]
    return None


# --- Issue ---------------------------------------------------------------------------------------------------------


class IssueReviewForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), max_length=500, required=False)


class IssueDateForm(forms.Form):
    issue_date = _date_field(_("发证日期"), required=False)


# --- 补发 and 撤销 (§8.2.4.1, §8.4.2) ---------------------------------------------------------------------------------


class CertificateRequestForm(forms.Form):
    """What a 补发 or 撤销 request is about: a certificate of this issue."""

    certificate = object_field(None, _("证书"), _("该证书不在本批次。"))

    def __init__(self, data=None, files=None, *, certificates, **kwargs):
        super().__init__(data, files, **kwargs)
        self.fields["certificate"].queryset = certificates


class ReissueForm(CertificateRequestForm):
    """补发 asked at the office (§8.2.4.1); for 证书信息错误 with the corrected data and the evidence, which the
    service checks (the validators of sign-up and import; the upload checks)."""

    reason = forms.CharField(label=_("补发原因"), max_length=10)
    detail = forms.CharField(label=_("情况说明"), max_length=1000, required=False)
    id_checked = forms.BooleanField(required=False)
    full_name = forms.CharField(label=_("更正后的姓名"), max_length=200, required=False)
    id_type = forms.CharField(label=_("更正后的证件类型"), max_length=20, required=False)
    id_number = forms.CharField(label=_("更正后的证件号码"), max_length=60, required=False)
    photo = forms.FileField(label=_("更正后的证件照"), required=False)
    evidence = forms.FileField(label=_("证明材料"), required=False)


class RevokeForm(CertificateRequestForm):
    reason = forms.ChoiceField(label=_("撤销原因"), choices=RevokeReason.choices,
                               error_messages={"required": _("请选择撤销原因。"),
                                               "invalid_choice": _("请选择撤销原因。")})
    detail = forms.CharField(label=_("情况说明"), max_length=1000, required=False)
    bar_until = _date_field(_("诚信记录截止日期"), required=False)


class RequestDecideForm(forms.Form):
    request = object_field(None, _("申请"), _("该申请不在本批次。"))

    def __init__(self, data, *, requests):
        super().__init__(data)
        self.fields["request"].queryset = requests


# --- Printing, delivery and the ledger (§8.2.4.2) -------------------------------------------------------------------


class PrintForm(forms.Form):
    first_serial = forms.CharField(label=_("起始印刷编号"), max_length=40,
                                   error_messages={"required": _("请填写起始印刷编号。")})
    certificate = object_field(None, _("证书"), _("该证书不在本批次。"), required=False)

    def __init__(self, data, *, certificates):
        super().__init__(data)
        self.fields["certificate"].queryset = certificates


class DeliverForm(forms.Form):
    certificate = object_field(None, _("证书"), _("该证书不在本批次。"))
    how = forms.ChoiceField(label=_("发放方式"), choices=[(LedgerEvent.HANDED, LedgerEvent.HANDED.label),
                                                      (LedgerEvent.MAILED, LedgerEvent.MAILED.label)],
                            error_messages={"required": _("请选择发放方式。"), "invalid_choice": _("请选择发放方式。")})
    recipient = forms.CharField(label=_("领取人或收件人"), max_length=60,
                                error_messages={"required": _("请填写领取人或收件人姓名。")})
    signed = forms.BooleanField(label=_("领取人已签字"), required=False)
    tracking = forms.CharField(label=_("快递单号"), max_length=40, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, data, *, certificates):
        super().__init__(data)
        self.fields["certificate"].queryset = certificates


class StockReceiveForm(forms.Form):
    """空白证书入库: the serial range ``prefix`` + ``first`` … ``last`` (whole numbers), width, source, date."""

    prefix = forms.CharField(label=_("印刷编号前缀"), max_length=10, required=False)
    first = forms.IntegerField(label=_("起始编号"), min_value=1, max_value=10 ** 10 - 1)
    last = forms.IntegerField(label=_("截止编号"), min_value=1, max_value=10 ** 10 - 1)
    width = forms.IntegerField(label=_("编号位数"), min_value=4, max_value=10, required=False)
    source = forms.CharField(label=_("来源"), max_length=200,
                             error_messages={"required": _("请填写来源（印制单位或上级发放单位）。")})
    received_on = _date_field(_("入库日期"), required=False)

    def clean_width(self):
        return self.cleaned_data["width"] or 7

    def clean_received_on(self):
        return self.cleaned_data["received_on"] or timezone.localdate()


class SpoilForm(forms.Form):
    serial = forms.CharField(label=_("印刷编号"), max_length=40, error_messages={"required": _("请填写印刷编号。")})
    reason = forms.CharField(label=_("销毁原因"), max_length=500, error_messages={"required": _("请写明销毁原因。")})
    witness1 = forms.CharField(label=_("见证人一"), max_length=150, required=False)
    witness2 = forms.CharField(label=_("见证人二"), max_length=150, required=False)

    def witnesses(self) -> list[str]:
        return [self.cleaned_data["witness1"], self.cleaned_data["witness2"]]


class LedgerQueryForm(forms.Form):
    """The ledger report asked for: one issued batch, or a period; and the file format of a download."""

    issue = forms.IntegerField(required=False, min_value=1)
    start = _date_field(_("起始日期"), required=False)
    end = _date_field(_("截止日期"), required=False)
    format = forms.ChoiceField(choices=[("xlsx", "xlsx"), ("pdf", "pdf")], required=False)

    def value(self, name):
        """The field's clean value, or None when it was left out or is not valid (a report page never fails)."""
        self.is_valid()
        return None if name in self.errors else self.cleaned_data.get(name) or None


class LayoutForm(forms.Form):
    """证书版式 (§8.2.3): the seal image, its diameter and the printer offsets in millimetres."""

    seal = forms.FileField(label=_("印章图片"), required=False)
    remove_seal = forms.BooleanField(required=False)
    seal_mm = forms.IntegerField(label=_("印章直径（毫米）"), min_value=20, max_value=50, required=False)
    offset_x_mm = forms.IntegerField(label=_("水平偏移（毫米）"), min_value=-20, max_value=20, required=False)
    offset_y_mm = forms.IntegerField(label=_("垂直偏移（毫米）"), min_value=-20, max_value=20, required=False)
    preprinted = forms.BooleanField(required=False)

    def clean(self):
        from skillcert.certificates.services import SEAL_MAX_BYTES

        data = super().clean()
        upload = data.get("seal")
        data["seal"] = upload.read(SEAL_MAX_BYTES + 1) if upload else None
        for name, default in (("seal_mm", 40), ("offset_x_mm", 0), ("offset_y_mm", 0)):
            if data.get(name) is None and name not in self.errors:
                data[name] = default
        return data


class FlagForm(forms.Form):
    """A GET switch of a page (``?specimen=1``, ``?inline=1``)."""

    specimen = forms.BooleanField(required=False)
    inline = forms.BooleanField(required=False)

    def on(self, name) -> bool:
        return self.is_valid() and bool(self.cleaned_data[name])


class ObjectQueryForm(forms.Form):
    """An object a GET link names by id (``?certificate=``, ``?report=``), among the page's own objects."""

    def __init__(self, data, name, queryset):
        super().__init__(data)
        self.name = name
        self.fields[name] = object_field(queryset, name, _("不存在。"), required=False)

    def asked(self) -> bool:
        return bool(self.data.get(self.name))

    def chosen(self):
        return self.cleaned_data[self.name] if self.is_valid() else None
