"""Console forms for plans, announcements, rule sets, review, fees and imports (§6.1)."""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.enums import OrgKind
from skillcert.accounts.models import FiledScope, Organisation
from skillcert.catalog.models import Level, Occupation, Trade
from skillcert.core.forms import ModelMultipleChoiceField
from skillcert.registration.applications import yuan_to_fen
from skillcert.registration.enums import ApplicationStatus, FeeEntryKind
from skillcert.registration.models import Announcement, AnnualPlanRow
from skillcert.registration.services import Offer

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PlanCreateForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlanRowForm(forms.ModelForm):
    class Meta:
        model = AnnualPlanRow
        fields = ["occupation", "trade", "level", "month", "planned_candidates", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trade"].empty_label = _("全部工种")
        self.fields["level"].queryset = Level.objects.order_by("-number")


class AnnouncementForm(forms.ModelForm):
    """The text fields, the venues, and a fee grid: one cell per occupation × trade × level inside
    the body's filed scope; a filled cell is an offer (§6.1.2 d, §6.8.1 b)."""

    venues = ModelMultipleChoiceField(label=_("考点"), queryset=Organisation.objects.none(),
                                            widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = Announcement
        fields = ["title", "text", "eligibility", "assessment_method", "exam_areas", "registration_opens",
                  "registration_closes", "venues"]
        widgets = {"registration_opens": DT, "registration_closes": DT,
                   "text": forms.Textarea(attrs={"rows": 4}), "eligibility": forms.Textarea(attrs={"rows": 4}),
                   "assessment_method": forms.Textarea(attrs={"rows": 3}),
                   "exam_areas": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, body: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.body = body
        for name in ("registration_opens", "registration_closes"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["venues"].queryset = Organisation.objects.filter(parent=body, kind=OrgKind.VENUE, is_active=True)
        current = {}
        if self.instance.pk:
            current = {(o.occupation_id, o.trade_id or 0, o.level_id): o.fee_fen for o in self.instance.offers.all()}
        self.grid = []  # [(occupation, levels, [(trade label, [field name or None per level])])]
        scope = list(FiledScope.objects.filter(organisation=body))
        occupations = Occupation.objects.filter(pk__in={s.occupation_id for s in scope}).prefetch_related("trades")
        for occ in occupations:
            rows_in_scope = [s for s in scope if s.occupation_id == occ.pk]
            levels = sorted({s.level for s in rows_in_scope}, key=lambda lv: -lv.number)
            all_trades = {s.level_id for s in rows_in_scope if s.trade_id is None}
            named = {(s.trade_id, s.level_id) for s in rows_in_scope if s.trade_id}
            rows = []
            for trade in [None, *occ.trades.filter(is_active=True)]:
                names = []
                for lv in levels:
                    allowed = lv.pk in all_trades or (trade is not None and (trade.pk, lv.pk) in named)
                    if not allowed:
                        names.append(None)
                        continue
                    name = f"fee_{occ.pk}_{trade.pk if trade else 0}_{lv.pk}"
                    fen = current.get((occ.pk, trade.pk if trade else 0, lv.pk))
                    self.fields[name] = forms.DecimalField(
                        label=f"{occ.name} {trade.name if trade else _('全部工种')} {lv}", required=False,
                        min_value=0, max_digits=8, decimal_places=2,
                        initial=Decimal(fen) / 100 if fen is not None else None,
                        widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "—"}))
                    names.append(name)
                rows.append((trade.name if trade else _("全部工种"), names))
            self.grid.append((occ, levels, rows))

    def grid_rows(self):
        return [(occ, levels, [(label, [self[n] if n else None for n in names]) for label, names in rows])
                for occ, levels, rows in self.grid]

    def offers(self) -> list[Offer]:
        occs = {o.pk: o for o in Occupation.objects.all()}
        trades = {t.pk: t for t in Trade.objects.all()}
        levels = {lv.pk: lv for lv in Level.objects.all()}
        result = []
        for name, value in self.cleaned_data.items():
            if name.startswith("fee_") and value is not None:
                _f, occ, trade, level = name.split("_")
                result.append(Offer(occs[int(occ)], trades.get(int(trade)), levels[int(level)],
                                    yuan_to_fen(value)))
        return result

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("fee_")}
        data["venues"] = list(data.pop("venues"))
        data["offers"] = self.offers()
        return data


class RuleSetForm(forms.Form):
    rules = forms.CharField(label=_("申报条件（JSON）"), widget=forms.Textarea(attrs={"rows": 12, "class": "mono"}),
                            help_text=_("每一项是一组须同时满足的条件；满足任一项即可报名。条件类型：certificate（证书，"
                                        "level 1–5，min_years）、experience（本职业工作年限 min_years）、"
                                        "education（学历 min：junior、senior、college、bachelor、master、doctor）。"))
    note = forms.CharField(label=_("依据说明"), max_length=200, required=False,
                           help_text=_("例如：依据《碳排放管理员国家职业技能标准（2024年版）》。"))

    def clean_rules(self):
        try:
            return json.loads(self.cleaned_data["rules"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("JSON 格式错误（第%(l)d行第%(c)d列）：%(m)s") % {
                "l": exc.lineno, "c": exc.colno, "m": exc.msg}) from None


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), widget=forms.RadioSelect, choices=[
        (ApplicationStatus.APPROVED, _("通过")), (ApplicationStatus.RETURNED, _("退回修改")),
        (ApplicationStatus.REJECTED, _("不通过"))])
    note = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("退回修改和不通过时必填，考生会看到这段说明。"))


class FeeForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=FeeEntryKind.choices)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0, max_digits=8, decimal_places=2, required=False,
                                help_text=_("减免时不填，按应缴全额减免。"))
    receipt_number = forms.CharField(label=_("票据号"), max_length=40, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("报名名单（.xlsx）"), widget=forms.ClearableFileInput(attrs={
        "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}))


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *ApplicationStatus.choices])
    eligible = forms.ChoiceField(label=_("系统初审"), required=False,
                                 choices=[("", _("全部")), ("1", _("符合")), ("0", _("不符合"))])
    q = forms.CharField(label=_("姓名、证件号或手机号"), required=False)


class BodyChoiceForm(forms.Form):
    """Which of the user's certification bodies a page is about (``?body=``); none or another body → the first."""

    body = forms.ModelChoiceField(label=_("认定机构"), queryset=Organisation.objects.none(), required=False)

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies


class RuleSetScopeForm(forms.Form):
    """The announcement whose special rule set is edited (``?announcement=``), among those the user may see."""

    announcement = forms.ModelChoiceField(label=_("认定公告"), queryset=Announcement.objects.none(), required=False)

    def __init__(self, *args, announcements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["announcement"].queryset = announcements


class BulkApproveForm(forms.Form):
    """The ticked applications of one announcement (§6.1.4 批量审核); the service approves the eligible pending ones."""

    ids = ModelMultipleChoiceField(label=_("报名"), queryset=None,
                                   error_messages={"required": _("请先勾选要批量通过的报名。")})
    back = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].queryset = applications
