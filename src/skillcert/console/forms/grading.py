"""The forms of the grading pages (§6.3.3 阅卷, §6.4.1.4 实操评分, §6.5 统分与复核): every number a marker or the office
types is checked here — a whole number or a decimal within its bounds — and every id names an object of this
batch, session or panel, so a service is called only with clean values and a refusal names the field in Chinese
(issue #21 item 1: one way from a POST to a service; no sentinel values).

Also the small pieces the other console form modules share: the action a button posts, an object chosen by id
that never reaches the database out of range, and the form errors as one message."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from skillcert.core.forms import MAX_ID
from skillcert.core.forms import ModelMultipleChoiceField as CheckedMultipleChoiceField
from skillcert.grading.models import ChangePart, DecisionKind, Part, PracticalEventKind, PracticalRule, RecheckStatus
from skillcert.grading.scoring import MultipleRule

# --- Shared by the console's form modules -----------------------------------------------------------------------


class ActionForm(forms.Form):
    """Which button of a page was pressed (``action``): one of the page's actions, or the request is not found."""

    action = forms.ChoiceField(choices=(), required=False)

    def __init__(self, data, actions):
        super().__init__(data)
        self.fields["action"].choices = [(a, a) for a in actions]


def posted_action(request: HttpRequest, *actions: str, default: str | None = None) -> str:
    """The page action a POST names (``default`` when the form's main button sends none); an unknown or missing
    one is a 404, as an unknown URL would be."""
    form = ActionForm(request.POST, actions)
    if not form.is_valid():
        raise Http404
    action = form.cleaned_data["action"] or default
    if action is None:
        raise Http404
    return action


class ObjectField(forms.ModelChoiceField):
    """An object chosen by id among ``queryset`` (the page's own objects): a value that is not an id in range is
    refused by the form before any query, with the field's message."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        if not 1 <= number <= MAX_ID:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(number)


def object_field(queryset, label, missing, **kwargs) -> ObjectField:
    """An :class:`ObjectField` whose two refusals (empty; not one of the page's objects) read ``missing``."""
    return ObjectField(queryset=queryset, label=label, error_messages={"required": missing, "invalid_choice": missing},
                       **kwargs)


def people_field(label, missing, invalid) -> CheckedMultipleChoiceField:
    return CheckedMultipleChoiceField(queryset=None, label=label, required=False, error_messages={
        "required": missing, "invalid_choice": invalid, "invalid_pk_value": invalid})


def _interpolate(template, **values) -> str:
    return str(template) % {k: str(v) for k, v in values.items()}


#: ``template % values``, translated when shown (the field labels are module-level, issue #21 item 7).
interpolate_lazy = lazy(_interpolate, str)


def score_field(label, *, maximum=Decimal(100), required=True, step=None) -> forms.DecimalField:
    """A score typed by a person: a finite decimal, two places at most, between 0 and ``maximum`` (and a multiple
    of ``step`` when given)."""
    bounds = interpolate_lazy(_("%(what)s须在 0 到 %(max)s 之间。"), what=label, max=maximum)
    validators = []
    if step is not None:
        message = interpolate_lazy(_("%(what)s以 %(step)s 分为单位。"), what=label, step=step)

        def in_steps(value):
            if value is not None and 0 <= value <= maximum and value % step:
                raise ValidationError(message, code="step_size")

        validators.append(in_steps)
    return forms.DecimalField(label=label, required=required, min_value=Decimal(0), max_value=maximum,
                              max_digits=7, decimal_places=2, validators=validators, error_messages={
                                  "required": interpolate_lazy(_("请填写%(what)s。"), what=label),
                                  "invalid": interpolate_lazy(_("%(what)s须为数字。"), what=label),
                                  "min_value": bounds, "max_value": bounds,
                                  "max_digits": bounds, "max_whole_digits": bounds,
                                  "max_decimal_places": interpolate_lazy(_("%(what)s最多保留两位小数。"), what=label)})


def form_error_text(form: forms.BaseForm) -> str:
    """A form's errors as one sentence, each named by its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields and form.fields[name].label else ""
        parts += [f"{label}：{e}" if label and not str(e).startswith(str(label)) else str(e) for e in errors]
    return "；".join(parts)


def flash_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """A refused form on a page that redirects after its POST: the errors, naming the fields, as one message."""
    messages.error(request, form_error_text(form))


# --- Scoring, analysis and marking of a computer-based paper (§6.3.3, 表B.1) ---------------------------------------


class ScoreForm(forms.Form):
    multiple_rule = forms.ChoiceField(label=_("多选题计分规则"), choices=MultipleRule.choices, required=False)

    def clean_multiple_rule(self):
        return self.cleaned_data["multiple_rule"] or MultipleRule.ALL_OR_NOTHING


class ScreenForm(forms.Form):
    """雷同筛查: the false-alarm ceiling, 0.05 unless typed."""

    alpha = forms.DecimalField(label=_("误报率上限"), required=False, min_value=Decimal("0.0001"),
                               max_value=Decimal("0.2"), max_digits=6, decimal_places=4, error_messages={
                                   "invalid": _("误报率上限须为数字。"),
                                   "min_value": _("误报率上限须在 0 与 0.2 之间。"),
                                   "max_value": _("误报率上限须在 0 与 0.2 之间。"),
                                   "max_digits": _("误报率上限须在 0 与 0.2 之间。"),
                                   "max_whole_digits": _("误报率上限须在 0 与 0.2 之间。"),
                                   "max_decimal_places": _("误报率上限最多保留四位小数。")})

    def clean_alpha(self) -> float:
        value = self.cleaned_data["alpha"]
        return 0.05 if value is None else float(value)


class MarkingOpenForm(forms.Form):
    """开始阅卷: two or more markers of the body, a leader of the body, the tolerance in percent of the points."""

    markers = people_field(_("阅卷人"), _("请选择阅卷人。"), _("所选阅卷人不是本机构的考评员。"))
    leader = object_field(None, _("阅卷组长"), _("请选择阅卷组长。"))
    tolerance = forms.DecimalField(label=_("误差允许值（分值的百分比）"), required=False, min_value=Decimal("0.01"),
                                   max_value=Decimal(50), max_digits=5, decimal_places=2, error_messages={
                                       "invalid": _("误差允许值须为数字。"),
                                       "min_value": _("误差允许值须在 0 到 50 之间（分值的百分比）。"),
                                       "max_value": _("误差允许值须在 0 到 50 之间（分值的百分比）。"),
                                       "max_digits": _("误差允许值须在 0 到 50 之间（分值的百分比）。"),
                                       "max_whole_digits": _("误差允许值须在 0 到 50 之间（分值的百分比）。"),
                                       "max_decimal_places": _("误差允许值最多保留两位小数。")})

    def __init__(self, data, *, markers, leaders):
        super().__init__(data)
        self.fields["markers"].queryset = markers
        self.fields["leader"].queryset = leaders

    def clean_tolerance(self) -> Decimal:
        value = self.cleaned_data["tolerance"]
        return (Decimal(20) if value is None else value) / 100


class MarkForm(forms.Form):
    """One mark on a coded script: the code, the points (0 to the item's points, in half points), a comment."""

    code = forms.CharField(label=_("密号"), max_length=20, error_messages={"required": _("请填写密号。")})
    points = score_field(_("分数"), step=Decimal("0.5"))
    comment = forms.CharField(label=_("评语"), max_length=300, required=False)

    def __init__(self, data, *, task):
        super().__init__(data)
        self.fields["points"] = score_field(_("分数"), maximum=task.points, step=Decimal("0.5"))


# --- Answer sheets of a paper-based session ------------------------------------------------------------------


class SheetImportForm(forms.Form):
    file = forms.FileField(label=_("答题卡文件"), error_messages={"required": _("请选择文件。")})


class FormNumberForm(forms.Form):
    """The form (卷别) a sheet page shows (``?form=``): one of the paper's forms, else the first."""

    form = forms.TypedChoiceField(coerce=int, choices=())

    def __init__(self, data, *, numbers):
        super().__init__(data)
        self.fields["form"].choices = [(n, n) for n in sorted(numbers)]


class SheetForm(forms.Form):
    """One answer sheet typed by a clerk (``enter``), or resolved from the paper sheet (``resolve``): the form
    (卷别), absent or not, and one answer per position of that form (``q<position>``)."""

    form_number = forms.TypedChoiceField(label=_("卷别"), coerce=int, choices=(),
                                         error_messages={"invalid_choice": _("请选择卷别。"),
                                                         "required": _("请选择卷别。")})
    absent = forms.BooleanField(label=_("缺考"), required=False)
    ticket = forms.CharField(label=_("准考证号"), max_length=40, required=False)
    application = forms.IntegerField(label=_("考生"), min_value=1, max_value=MAX_ID, required=False,
                                     error_messages={"invalid": _("请选择要核对的答题卡。"),
                                                     "min_value": _("请选择要核对的答题卡。"),
                                                     "max_value": _("请选择要核对的答题卡。")})

    def __init__(self, data, *, layout: dict, marked: dict, resolve: bool = False):
        super().__init__(data)
        self.positions = {form: [*layout.get(form, {}), *marked.get(form, {})] for form in {*layout, *marked}}
        self.fields["form_number"].choices = [(n, n) for n in sorted(self.positions)]
        for position in sorted({p for ps in self.positions.values() for p in ps}):
            self.fields[f"q{position}"] = forms.CharField(label=_("第 %(n)s 题") % {"n": position}, max_length=50,
                                                          required=False, strip=True)
        if resolve:
            self.fields["application"].required = True
            self.fields["application"].error_messages["required"] = _("请选择要核对的答题卡。")

    def answers(self) -> dict[str, str]:
        d = self.cleaned_data
        return {str(p): d.get(f"q{p}", "") for p in self.positions.get(d["form_number"], [])}


# --- Practical assessment (§6.4.1.4, A.3.4–A.3.8) -----------------------------------------------------------------


class PanelForm(forms.Form):
    """组建考评小组 / 综合评审小组: the body's examiners and a leader of the body."""

    examiners = people_field(_("考评员"), _("请选择考评员。"), _("所选人员不是本机构的考评员。"))
    leader = object_field(None, _("组长"), _("请选择考评组长。"))

    def __init__(self, data, *, examiners, leaders, leader_missing=None):
        super().__init__(data)
        self.fields["examiners"].queryset = examiners
        self.fields["leader"].queryset = leaders
        if leader_missing:
            self.fields["leader"].error_messages.update(required=leader_missing, invalid_choice=leader_missing)


class PracticalPanelForm(PanelForm):
    rule = forms.ChoiceField(label=_("成绩计算规则"), choices=PracticalRule.choices, required=False,
                             error_messages={"invalid_choice": _("成绩计算规则无效。")})
    spread_limit = score_field(_("评分差异提示阈值"), required=False)
    paper = object_field(None, _("实操试卷"), _("请选择本场次已启封下发的实操试卷。"), required=False)

    def __init__(self, data, *, papers, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["paper"].queryset = papers

    def clean_rule(self):
        return self.cleaned_data["rule"] or PracticalRule.MEAN

    def clean_spread_limit(self):
        value = self.cleaned_data["spread_limit"]
        if value is None:
            return Decimal(10)
        if value <= 0:
            raise ValidationError(_("评分差异提示阈值须大于 0。"))
        return value


class CollectForm(forms.Form):
    """编号 at collection: the candidate is named by the admission ticket of a seat in this panel's room."""

    ticket = forms.CharField(label=_("准考证号"), max_length=40, error_messages={"required": _("请填写准考证号。")})

    def __init__(self, data, *, seats):
        super().__init__(data)
        self.seats = seats

    def clean_ticket(self):
        seat = self.seats.filter(application__tickets__number=self.cleaned_data["ticket"]).first()
        if seat is None:
            raise ValidationError(_("本考场没有该准考证号的考生。"))
        return seat


class WitnessForm(forms.Form):
    witnesses = people_field(_("见证人"), _("请选择两名见证人。"), _("所选见证人不是本机构的工作人员。"))

    def __init__(self, data, *, staff):
        super().__init__(data)
        self.fields["witnesses"].queryset = staff


class EventForm(forms.Form):
    """One line of the practical room record (A.3.4, A.3.6)."""

    kind = forms.ChoiceField(label=_("记录类别"), choices=PracticalEventKind.choices,
                             error_messages={"required": _("请选择记录类别。"),
                                             "invalid_choice": _("请选择记录类别。")})
    seat = object_field(None, _("工位"), _("该工位不在本考场。"), required=False)
    minutes = forms.IntegerField(label=_("顺延时间（分钟）"), min_value=1, max_value=60, required=False,
                                 error_messages={"invalid": _("顺延时间须为 1 到 60 分钟。"),
                                                 "min_value": _("顺延时间须为 1 到 60 分钟。"),
                                                 "max_value": _("顺延时间须为 1 到 60 分钟。")})
    note = forms.CharField(label=_("情况说明"), max_length=500, required=False)

    def __init__(self, data, *, seats):
        super().__init__(data)
        self.fields["seat"].queryset = seats


class DeductionsField(forms.Field):
    """The repeated ``deduction_reason`` / ``deduction_points`` rows of a scoring sheet, as posted lists."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [str(v) for v in (value or [])]


class PracticalSheetForm(forms.Form):
    """评分记录表 (A.3.6): the work piece's code, the points per criterion (0 to its maximum) and the deductions
    for safety and conduct (each with its reason and more than 0 points)."""

    code = forms.CharField(label=_("工件编号"), max_length=20, error_messages={"required": _("请填写工件编号。")})
    deduction_reason = DeductionsField(required=False)
    deduction_points = DeductionsField(required=False)

    def __init__(self, data, *, criteria):
        super().__init__(data)
        self.count = len(criteria)
        for i, c in enumerate(criteria):
            self.fields[f"given-{i}"] = score_field(_("“%(c)s”的得分") % {"c": c["criterion"]},
                                                    maximum=Decimal(str(c["max"])))

    def clean(self):
        data = super().clean()
        reasons, points = data.get("deduction_reason") or [], data.get("deduction_points") or []
        field = score_field(_("扣分"))
        rows = []
        for i in range(max(len(reasons), len(points))):
            reason = reasons[i].strip() if i < len(reasons) else ""
            raw = points[i].strip() if i < len(points) else ""
            if not reason and not raw:
                continue
            try:
                value = field.clean(raw)
            except ValidationError as exc:
                self.add_error("deduction_points", exc)
                continue
            if value <= 0 or not reason:
                self.add_error("deduction_points", _("扣分须写明原因，分值大于 0。"))
                continue
            rows.append({"reason": reason[:200], "points": str(value)})
        data["deductions"] = rows
        return data

    def given(self) -> list[Decimal]:
        return [self.cleaned_data[f"given-{i}"] for i in range(self.count)]


class VoidForm(forms.Form):
    code = forms.CharField(label=_("工件编号"), max_length=20, error_messages={"required": _("请填写工件编号。")})
    reason = forms.CharField(label=_("作废原因"), max_length=200, error_messages={"required": _("请写明作废原因。")})


# --- Comprehensive review (§6.5.1) ---------------------------------------------------------------------------------


class ReviewScoreForm(forms.Form):
    """One examiner's 答辩 and 业绩评价 scores (0–100) of one candidate seated in this review room."""

    application = object_field(None, _("考生"), _("该考生不在本考场。"))
    defence = score_field(_("答辩成绩"))
    performance = score_field(_("业绩评价成绩"))
    note = forms.CharField(label=_("评语"), max_length=500, required=False)

    def __init__(self, data, *, applications):
        super().__init__(data)
        self.fields["application"].queryset = applications


# --- Results (§6.5, §10.7) -----------------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    """成绩作废 or 按零分处理 (表B.2) for one part of a candidate of this batch."""

    application = object_field(None, _("考生"), _("该考生不在本批次。"))
    part = forms.ChoiceField(label=_("科目"), choices=Part.choices, error_messages={
        "required": _("请选择科目。"), "invalid_choice": _("请选择科目。")})
    kind = forms.ChoiceField(label=_("处理方式"), choices=DecisionKind.choices, error_messages={
        "required": _("请选择处理方式。"), "invalid_choice": _("处理方式无效。")})
    reason = forms.CharField(label=_("原因"), max_length=300, error_messages={"required": _("请写明原因。")})

    def __init__(self, data, *, applications):
        super().__init__(data)
        self.fields["application"].queryset = applications


class ChangeForm(forms.Form):
    """更正 a confirmed result of this batch: the part, the new score (0–100) and the reason."""

    result = object_field(None, _("成绩"), _("该成绩不在本批次。"))
    part = forms.ChoiceField(label=_("科目"), choices=ChangePart.choices, error_messages={
        "required": _("科目无效。"), "invalid_choice": _("科目无效。")})
    new = score_field(_("更正后的分数"))
    reason = forms.CharField(label=_("更正原因"), max_length=300, error_messages={"required": _("请写明更正原因。")})

    def __init__(self, data, *, results):
        super().__init__(data)
        self.fields["result"].queryset = results


class ChangeDecideForm(forms.Form):
    change = object_field(None, _("更正申请"), _("该更正申请不在本批次。"))

    def __init__(self, data, *, changes):
        super().__init__(data)
        self.fields["change"].queryset = changes


class PublishForm(forms.Form):
    recheck_days = forms.IntegerField(label=_("成绩复核申请期限（天）"), min_value=1, max_value=60, required=False,
                                      error_messages={"invalid": _("成绩复核申请期限须为 1 到 60 天。"),
                                                      "min_value": _("成绩复核申请期限须为 1 到 60 天。"),
                                                      "max_value": _("成绩复核申请期限须为 1 到 60 天。")})

    def clean_recheck_days(self):
        from skillcert.grading.results import RECHECK_DAYS

        value = self.cleaned_data["recheck_days"]
        return RECHECK_DAYS if value is None else value


class RecheckAnswerForm(forms.Form):
    """The office's answer to a re-check request of this batch; a correction carries the new score (0–100)."""

    recheck = object_field(None, _("复核申请"), _("该复核申请不在本批次。"))
    outcome = forms.ChoiceField(label=_("复核结论"), choices=[(RecheckStatus.UPHELD, RecheckStatus.UPHELD.label),
                                                          (RecheckStatus.CORRECTED, RecheckStatus.CORRECTED.label)],
                                error_messages={"required": _("请选择复核结论。"),
                                                "invalid_choice": _("请选择复核结论。")})
    response = forms.CharField(label=_("复核答复"), max_length=500, error_messages={"required": _("请填写复核答复。")})
    change_part = forms.ChoiceField(label=_("更正科目"), choices=ChangePart.choices, required=False,
                                    error_messages={"invalid_choice": _("科目无效。")})
    new = score_field(_("更正后的分数"), required=False)

    def __init__(self, data, *, rechecks):
        super().__init__(data)
        self.fields["recheck"].queryset = rechecks

    def clean(self):
        data = super().clean()
        if data.get("outcome") == RecheckStatus.CORRECTED and data.get("new") is None and "new" not in self.errors:
            self.add_error("new", _("请填写更正后的分数。"))
        return data
